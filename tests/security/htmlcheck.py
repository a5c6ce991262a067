"""The hostile-input corpus, and a stdlib check that a page carries no markup a browser would run or load.

The check is deliberately strict: a site page may only have the scripts its templates put there
(a file under STATIC_URL, or an inline one carrying the response's CSP nonce), no event-handler or
style attributes, no script-capable URLs, no embedded documents or foreign (SVG, MathML) content,
and nothing that makes the browser fetch from elsewhere on its own.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

PAYLOAD_FILE = Path(__file__).with_name("xss_payloads.txt")
EXFIL_HOST = "xss.invalid"

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "srcset", "data", "poster", "background", "xlink:href", "ping",
    "cite", "codebase", "manifest", "dynsrc", "lowsrc", "icon", "archive", "longdesc", "usemap", "to", "values",
}
# Elements that run code, embed another document, change how the page is parsed or where its links go,
# or bring foreign content; none of the site's templates uses them.
FORBIDDEN_ELEMENTS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg", "math", "template", "style",
    "xmp", "noembed", "noframes", "isindex", "keygen", "bgsound", "marquee", "video", "audio", "portal",
    "image", "animate", "set", "use", "foreignobject", "discard", "maction", "mglyph", "noscript",
}
# Elements that fetch their URL attributes by themselves (an <a> only does when followed).
SELF_LOADING = {"img", "source", "script", "link", "input", "video", "audio", "track", "embed", "object",
                "iframe", "frame", "body", "table", "td", "image", "picture"}
# Scripts served by views rather than static files: the admin's translation catalogue.
TEMPLATE_SCRIPT_VIEWS = {"/admin/jsi18n/"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\u1680\u180e\u2000-\u200f\u2028\u2029\u205f\u3000\ufeff]+")


def load_payloads():
    """[(number, payload)]: one payload per line, numbered from 1 as they appear in the file."""
    lines = PAYLOAD_FILE.read_text(encoding="utf-8").split("\n")
    return [(n, line) for n, line in enumerate(lines, 1) if line]


def _scheme_of(value):
    compact = _INVISIBLE.sub("", value or "").lower()
    return next((scheme for scheme in DANGEROUS_SCHEMES if compact.startswith(scheme)), None)


class _Inspector(HTMLParser):
    def __init__(self, *, nonce, static_url, site_prefixes):
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.static_url = static_url
        self.site_prefixes = site_prefixes
        self.problems = []

    def _flag(self, what, tag, attrs):
        shown = " ".join(f'{k}="{v}"' if v is not None else k for k, v in attrs if k != "nonce")
        self.problems.append(f"{what}: <{tag} {shown}>"[:300])

    def _same_site(self, url):
        url = (url or "").strip()
        return not url or url.startswith(("/", "?", "#")) and not url.startswith("//") or url.startswith(self.site_prefixes)

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        names = {name.lower(): value for name, value in attrs}
        if tag == "script":
            src = names.get("src")
            trusted = (src is not None and (src.startswith(self.static_url) or src in TEMPLATE_SCRIPT_VIEWS)) or (
                src is None and self.nonce and names.get("nonce") == self.nonce
            ) or (src is None and names.get("type") == "application/json")
            if not trusted:
                self._flag("script not from a template", tag, attrs)
        if tag in FORBIDDEN_ELEMENTS:
            self._flag("forbidden element", tag, attrs)
        if tag == "meta" and "http-equiv" in names:
            self._flag("meta http-equiv", tag, attrs)
        if tag == "link" and not self._same_site(names.get("href")):
            self._flag("link to another site", tag, attrs)
        if tag == "form" and not self._same_site(names.get("action")):
            self._flag("form posting elsewhere", tag, attrs)
        for name, value in names.items():
            if name.startswith("on"):
                self._flag(f"event handler {name}", tag, attrs)
            elif name in ("style", "srcdoc", "formaction"):
                self._flag(f"{name} attribute", tag, attrs)
            if name in URL_ATTRIBUTES or name.endswith(":href"):
                scheme = _scheme_of(value)
                if scheme:
                    self._flag(f"{scheme} URL in {name}", tag, attrs)
                if tag in SELF_LOADING and EXFIL_HOST in (value or ""):
                    self._flag(f"fetches {EXFIL_HOST}", tag, attrs)

    handle_startendtag = handle_starttag


def executable_markup(html, *, nonce=None, static_url="/static/", site_prefixes=("http://testserver/",)):
    """Problems found in `html` (empty when the page carries nothing a browser would run or load on its own)."""
    inspector = _Inspector(nonce=nonce, static_url=static_url, site_prefixes=tuple(site_prefixes))
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def csp_nonce(response):
    """The nonce of the response's Content-Security-Policy script-src, if any."""
    header = response.get("Content-Security-Policy", "")
    match = re.search(r"'nonce-([^']+)'", header)
    return match.group(1) if match else None


def page_problems(response, *, chrome=()):
    """Problems in a test-client response's HTML, with the response's own CSP nonce allowed.

    `chrome`: problems every page of that kind has by design (the admin's icons and its
    translation script), as found on a page without user content; they are not reported.
    """
    return [problem for problem in executable_markup(response.content.decode(), nonce=csp_nonce(response))
            if problem not in chrome]


def admin_chrome(client):
    """What the admin's own templates put on every page (SVG icons, /admin/jsi18n/), from its index page."""
    response = client.get("/admin/")
    assert response.status_code == 200, response.status_code
    return frozenset(page_problems(response))
