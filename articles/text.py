"""Text derived from what authors write: HTML, reading time, search tokens."""

import html
import math
import re

import markdown
from django.conf import settings
from django.utils.translation import gettext as _

from articles import sanitize

WORDS_PER_MINUTE = 230  # English prose read on screen
HANGUL_CHARS_PER_MINUTE = 500  # Korean is read by syllable, not by word
HANGUL = re.compile(r"[\uac00-\ud7a3]")
WORD = re.compile(r"[^\W_]+", re.UNICODE)


# --- What Markdown may cost --------------------------------------------------
# Python-Markdown re-reads a whole paragraph for every line that starts a block element and for every inline
# match, scans to the paragraph's end for every bracket that does not close a link, and recurses once per
# level of nested quotes, lists and definitions. Text whose structure would make that quadratic or too deep
# is refused by the forms (markdown_problem) and shown as plain paragraphs if it is stored anyway.
BLOCK_SEPARATOR = re.compile(r"\n[ \t]*\n")
MARKS = re.compile(r"[*_`\[\]<>&\\!]")  # characters the inline patterns start from
CONTAINER = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])|:(?=[ \t]))")
DEFINITION = re.compile(r"^[ \t]{0,3}:[ \t]", re.MULTILINE)
PAREN_IN_PAREN = re.compile(r"\((?=\()")


def _nesting(block: str) -> int:
    """Levels of quotes, lists and definitions inside each other (definitions without a blank line nest)."""
    deepest = 0
    for line in block.split("\n"):
        depth, position = 0, 0
        while match := CONTAINER.match(line, position):
            depth, position = depth + 1, match.end()
        deepest = max(deepest, depth)
    return deepest + max(0, len(DEFINITION.findall(block)) - 1)


def _costly_brackets(block: str) -> int:
    """Brackets that send the link parser past their own link: every `[` (and `(` right after `]`) that is
    never closed scans to the paragraph's end, and one inside another is scanned again for each around it."""
    open_at, closed_at, index = {"[": [], "(": []}, {}, 0
    while index < len(block):
        char = block[index]
        if char == "\\":
            index += 2
            continue
        if char in "[(":
            open_at[char].append(index)
        elif char in "])" and open_at["[" if char == "]" else "("]:
            closed_at[open_at["[" if char == "]" else "("].pop()] = index
        index += 1

    def scans(start):  # a link's text or address: the parser reads on to its closing bracket
        return block[start] == "[" or block[start - 1:start] == "]"

    costly = len(open_at["["]) + sum(1 for start in open_at["("] if scans(start))
    costly += len(PAREN_IN_PAREN.findall(block))  # the sanitizer's link finder re-reads runs of "(" too
    around = []
    for start in sorted(closed_at):
        if scans(start):
            while around and around[-1] < start:
                around.pop()
            costly += bool(around)
            around.append(closed_at[start])
    return costly


def markdown_problem(source: str) -> str | None:
    """Why this Markdown would cost too much to render (a message for its author), or None."""
    source = (source or "").replace("\r\n", "\n")
    blocks = [block for block in BLOCK_SEPARATOR.split(source) if block.strip()]
    allowed = settings.MARKDOWN_MAX_DOCUMENT_WORK // max(1, len(source))
    if len(blocks) > allowed:
        return _("The text has %(count)d paragraphs, list items and other blocks separated by blank lines; a text "
                 "of %(length)d characters may have at most %(max)d. Join short paragraphs, or remove blank lines "
                 "between list items.") % {"count": len(blocks), "length": len(source), "max": allowed}
    for block in blocks:
        depth = _nesting(block)
        if depth > settings.MARKDOWN_MAX_NESTING:
            return _("Quotes, lists and definitions are nested %(depth)d levels deep; at most %(max)d levels "
                     "are allowed. Put a blank line between definitions, and nest less.") % {
                "depth": depth, "max": settings.MARKDOWN_MAX_NESTING}
        brackets = _costly_brackets(block)
        if brackets > settings.MARKDOWN_MAX_LINK_BRACKETS:
            return _("A paragraph has %(count)d square brackets or link parentheses that are not closed or are "
                     "inside each other; at most %(max)d are allowed in one paragraph. Close them, or write \\[ "
                     "for a bracket that is not a link.") % {
                "count": brackets, "max": settings.MARKDOWN_MAX_LINK_BRACKETS}
        marks = block.count("\n") + 1 + len(MARKS.findall(block))
        allowed = settings.MARKDOWN_MAX_BLOCK_WORK // max(1, len(block))
        if marks > allowed:
            return _("A passage of %(length)d characters without a blank line has %(count)d lines and formatting "
                     "marks (* _ ` [ ] < > & \\ !); a passage that long may have at most %(max)d. Put blank lines "
                     "between paragraphs, or use less formatting.") % {
                "length": len(block), "count": marks, "max": allowed}
    return None


def _plain_paragraphs(source: str) -> str:
    paragraphs = (part.strip() for part in BLOCK_SEPARATOR.split((source or "").replace("\r\n", "\n")))
    return "".join(f"<p>{html.escape(part)}</p>" for part in paragraphs if part)


def render_markdown(source: str) -> str:
    """Markdown to HTML, then through the sanitizer: the stored HTML is what readers see.

    Text that would cost too much to parse (see markdown_problem) is shown escaped, as plain paragraphs.
    """
    if markdown_problem(source):
        return _plain_paragraphs(source)  # escaped text and <p> only: nothing for the sanitizer to do
    try:
        rendered = markdown.markdown(source or "", extensions=["extra", "sane_lists"], output_format="html")
    except RecursionError:  # a nesting the bounds above did not foresee
        rendered = _plain_paragraphs(source)
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
