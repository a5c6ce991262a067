"""The one place user HTML is cleaned. Only this module imports bleach.

Two passes:

1. Elements whose content is code or another document (script, style, template, iframe,
   object, noscript, svg, math, …) are removed *with their content*, found by a real HTML5
   parse, so that `<script>alert(1)</script>` leaves nothing rather than the text "alert(1)".
   This pass is about tidiness, not safety.
2. bleach keeps only the allow-listed tags, attributes and URL schemes. This is the pass
   that makes the output safe, whatever the first pass did or missed.

bleach's cleaner keeps parser state and is not thread-safe, so each thread gets its own.
"""

import re
import threading
from functools import partial

import bleach
from bleach._vendor import html5lib
from bleach._vendor.html5lib.serializer import HTMLSerializer
from bleach.linkifier import LinkifyFilter

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "i",
    "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "abbr": ["title"], "td": ["align"], "th": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# Removed with everything inside them. Their content is code, another document, or (svg, math)
# a foreign vocabulary that has no place in a story; none of it is text a reader should see.
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "template", "iframe", "frame", "frameset", "object", "embed", "applet",
    "noscript", "noembed", "noframes", "xmp", "svg", "math",
})
# A fast path only: the parse below runs when one of those names appears as a tag. An element
# cannot exist in the parsed tree unless its name follows a "<" in the source.
_DROPPED_HINT = re.compile(r"<(?:%s)(?![\w-])" % "|".join(sorted(DROPPED_WITH_CONTENT)), re.IGNORECASE)


def _set_rel(attrs, new=False):
    href_key = (None, "href")
    if href_key not in attrs:
        return attrs
    attrs[(None, "rel")] = LINK_REL
    return attrs


def _make_cleaner():
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"})],
    )


def _make_text_cleaner():
    return bleach.Cleaner(tags=set(), attributes={}, strip=True, strip_comments=True)


_local = threading.local()


def _per_thread(name, factory):
    instance = getattr(_local, name, None)
    if instance is None:
        instance = factory()
        setattr(_local, name, instance)
    return instance


def _local_name(tag):
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _remove_dropped(parent):
    previous = None
    for child in list(parent):
        if _local_name(child.tag) in DROPPED_WITH_CONTENT:
            tail = child.tail or ""
            if previous is None:
                parent.text = (parent.text or "") + tail
            else:
                previous.tail = (previous.tail or "") + tail
            parent.remove(child)
        else:
            _remove_dropped(child)
            previous = child


def drop_hidden_content(html: str) -> str:
    """`html` without DROPPED_WITH_CONTENT elements and everything inside them (not a sanitizer)."""
    if not html or not _DROPPED_HINT.search(html):
        return html or ""
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    fragment = parser.parseFragment(html)
    _remove_dropped(fragment)
    serializer = HTMLSerializer(quote_attr_values="always", omit_optional_tags=False, resolve_entities=False)
    return serializer.render(html5lib.getTreeWalker("etree")(fragment))


def clean_html(html: str) -> str:
    """Return `html` with everything outside the allow-list removed; links get rel=nofollow ugc noopener."""
    return _per_thread("cleaner", _make_cleaner).clean(drop_hidden_content(html or ""))


def strip_tags(html: str) -> str:
    """Plain text of `html` (for reading time, search and summaries)."""
    return _per_thread("text_cleaner", _make_text_cleaner).clean(drop_hidden_content(html or ""))
