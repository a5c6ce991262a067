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
from bleach import linkifier
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


# No address a reader types is this long without a space; a longer run is left as text.
LINKIFY_MAX_RUN = 256
_LONG_RUN = re.compile(r"\S{%d,}" % (LINKIFY_MAX_RUN + 1))
def _trie(words):
    """A regex alternation of `words` as a trie ("c(?:a|o(?:m)?)…"): Python's re tries an alternation's
    branches one by one, and bleach's has one branch per top-level domain (about 1,500)."""
    tree = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node):
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:%s)" % "|".join(branches)
        return "(?:%s)?" % body if "" in node else body

    return pattern(tree)


# bleach's URL pattern, bounded: at most 10 host labels of at most 63 characters (as DNS allows), and
# its top-level domains as a trie. Unbounded, each starting position in a long dotted run backtracked
# across every label and tried every top-level domain at each.
_URL_RE = re.compile(
    linkifier.URL_RE.pattern
    .replace(r"([\w-]+\.)+", r"(?:[\w-]{1,63}\.){1,10}")
    .replace("|".join(sorted(linkifier.TLDS)), _trie(linkifier.TLDS)),
    linkifier.URL_RE.flags,
)
assert "|".join(sorted(linkifier.TLDS)) not in _URL_RE.pattern and r"([\w-]+\.)+" not in _URL_RE.pattern, (
    "bleach's URL pattern changed: review _URL_RE"
)


class _BoundedLinkifyFilter(LinkifyFilter):
    """bleach's linkifier with its cost bounded by the input's size. Its URL pattern backtracks over
    a run of text with no space once per starting position (40 KB of "a-a-a-…" took 24 s), so runs
    longer than LINKIFY_MAX_RUN are passed through as text and only the rest is searched for links, with
    a pattern whose host part is bounded (_URL_RE)."""

    def __init__(self, source, **kwargs):
        super().__init__(source, url_re=_URL_RE, **kwargs)

    def handle_links(self, src_iter):
        for token in src_iter:
            text = token["data"] if token["type"] == "Characters" else ""
            if not _LONG_RUN.search(text):
                yield from super().handle_links(iter([token]))
                continue
            end = 0
            for run in _LONG_RUN.finditer(text):
                if run.start() > end:
                    yield from super().handle_links(iter([{"type": "Characters", "data": text[end:run.start()]}]))
                yield {"type": "Characters", "data": run.group(0)}
                end = run.end()
            if end < len(text):
                yield from super().handle_links(iter([{"type": "Characters", "data": text[end:]}]))


def _make_cleaner():
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[partial(_BoundedLinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"})],
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
