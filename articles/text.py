"""Text derived from what authors write: HTML, reading time, search tokens."""

import html
import math
import re

import markdown

from articles import sanitize

WORDS_PER_MINUTE = 230  # English prose read on screen
HANGUL_CHARS_PER_MINUTE = 500  # Korean is read by syllable, not by word
HANGUL = re.compile(r"[\uac00-\ud7a3]")
WORD = re.compile(r"[^\W_]+", re.UNICODE)


def render_markdown(source: str) -> str:
    """Markdown to HTML, then through the sanitizer: the stored HTML is what readers see."""
    rendered = markdown.markdown(source or "", extensions=["extra", "sane_lists"], output_format="html")
    return sanitize.clean_html(rendered)


def plain_text(markdown_source: str) -> str:
    return html.unescape(sanitize.strip_tags(render_markdown(markdown_source)))


def reading_minutes(markdown_source: str, language: str) -> int:
    text = plain_text(markdown_source)
    if language == "ko":
        units, rate = len(HANGUL.findall(text)) + len(re.findall(r"[A-Za-z0-9]+", text)), HANGUL_CHARS_PER_MINUTE
    else:
        units, rate = len(WORD.findall(text)), WORDS_PER_MINUTE
    return max(1, math.ceil(units / rate))
