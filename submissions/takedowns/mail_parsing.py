"""Takedown rules read from an incoming email: this site's article links, case references (TD-2026-00042)
and the elements of a valid notice. The generic work (MIME, charsets, HTML to text, bounds) is
newsroom/mail_parsing.py's; this module only reads what it produced.

A heuristic for triage, never trusted or rendered: staff confirm, and the text is shown escaped.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

from articles import links as article_links
from newsroom import mail_parsing
from newsroom.mail_parsing import ParsedMail, UnparseableMail

MAX_SITE_LINKS = 200  # distinct links to this site examined in one message

NOTICE_ELEMENTS = (
    "work_identified",
    "infringing_url",
    "contact_details",
    "good_faith_statement",
    "accuracy_statement",
    "signature",
)


@dataclass(frozen=True)
class NoticeMail(ParsedMail):
    """A parsed email with what the takedown workflow reads in it."""

    article_urls: list[str] = field(default_factory=list)  # canonical: scheme://host[:port][/ko]/articles/<slug>/
    article_slugs: list[str] = field(default_factory=list)
    case_references: list[str] = field(default_factory=list)
    notice_elements: dict[str, bool] = field(default_factory=dict)
    missing_elements: list[str] = field(default_factory=list)

    @property
    def is_complete_notice(self) -> bool:
        return not self.missing_elements


def read_notice(parsed: ParsedMail, *, site_hosts: Iterable[str]) -> NoticeMail:
    """The takedown reading of a parsed email. Raises only UnparseableMail (a bug must not stop the intake)."""
    try:
        return _read(parsed, article_links.host_patterns(site_hosts))
    except Exception as exc:
        raise UnparseableMail(f"could not read the notice ({type(exc).__name__}: {exc})") from exc


def parse(raw: bytes, *, site_hosts: Iterable[str]) -> NoticeMail:
    """Parse one raw message and read it as a notice. Raises only UnparseableMail."""
    return read_notice(mail_parsing.parse(raw), site_hosts=site_hosts)


def _read(parsed: ParsedMail, site_hosts: list[str]) -> NoticeMail:
    scanned = "\n".join([parsed.subject, parsed.text, html.unescape(parsed.html)])
    urls, slugs = _article_urls(scanned, site_hosts)
    text = f"{parsed.subject}\n{parsed.text}"
    elements = _notice_elements(text, has_article_url=bool(urls), has_other_url=_has_foreign_url(scanned, site_hosts))
    return NoticeMail(
        **{f.name: getattr(parsed, f.name) for f in dataclasses.fields(ParsedMail)},
        article_urls=urls,
        article_slugs=slugs,
        case_references=_case_references(text),
        notice_elements=elements,
        missing_elements=[name for name in NOTICE_ELEMENTS if not elements[name]],
    )


def _unique(items: Iterable) -> list:
    return list(dict.fromkeys(items))


# --- links, slugs, case references ---------------------------------------------------------------

# A URL-like token in running text: with a scheme, up to the next space or quote; without one, a
# host (dotted, an IP address, [IPv6], or a bare name such as localhost) with an optional port
# and a path. Whether it is one of our articles is article_links.parse()'s answer, not this one's.
_LINK_RE = re.compile(
    r"(?<![\w@.\-/])"
    r"(?:(?P<scheme>https?)://[^\s<>\"'`]+"
    r"|(?:\[[0-9a-f:.]{2,45}\]|[a-z0-9.-]{1,253})(?::\d{1,5})?/[^\s<>\"'`]*)",
    re.I,
)
# A Korean particle written straight after a link ("…/articles/slug/에 게재된") is not part of it.
_PARTICLE_RE = re.compile(r"(?<=/)[가-힣]{1,3}$")


def _links(text: str) -> Iterable[tuple[str, bool]]:
    """Each distinct URL-like token (a schemeless one as https), and whether it was written with a scheme."""
    seen = set()
    for match in _LINK_RE.finditer(text):
        url = match.group(0) if match.group("scheme") else f"https://{match.group(0)}"
        if url not in seen:
            seen.add(url)
            yield url, bool(match.group("scheme"))


def _article_link(url: str, site_hosts: list[str]) -> article_links.ArticleLink | None:
    link = article_links.parse(url, site_hosts)
    if link is None:
        without_particle = _PARTICLE_RE.sub("", url.rstrip(article_links.TRAILING_PUNCTUATION))
        if without_particle != url:
            link = article_links.parse(without_particle, site_hosts)
    return link


def _article_urls(text: str, site_hosts: list[str]) -> tuple[list[str], list[str]]:
    # Resolving a path costs about a millisecond: a notice names a few articles, not thousands.
    ours = islice((url for url, _ in _links(text) if article_links.is_site_url(url, site_hosts)), MAX_SITE_LINKS)
    links = [link for url in ours if (link := _article_link(url, site_hosts))]
    return _unique(link.url for link in links), _unique(link.slug for link in links)


def _has_foreign_url(text: str, site_hosts: list[str]) -> bool:
    return any(with_scheme and not article_links.is_site_url(url, site_hosts) for url, with_scheme in _links(text))


_CASE_RE = re.compile(r"(?<![A-Za-z0-9])TD-(\d{4})-(\d{3,6})(?!\d)", re.I)


def _case_references(text: str) -> list[str]:
    return _unique(f"TD-{year}-{number}" for year, number in _CASE_RE.findall(text))



# --- notice elements -----------------------------------------------------------------------------

_WORK_RE = re.compile(
    r"\bcopyright(?:ed)?\s+(?:work|material|content|photo(?:graph)?|image|article|text|video|illustration)s?\b"
    r"|\boriginal\s+(?:work|article|photo(?:graph)?|image|story|report|content|illustration)s?\b"
    r"|\b(?:my|our|the|client'?s)\s+(?:work|photo(?:graph)?|article|image|illustration|story)s?\s+"
    r"(?:titled|entitled|called|published|available|located|at|was|is)\b"
    r"|\bwork\s+(?:titled|entitled)\b|\bregistration\s+(?:no\.?|number)"
    r"|저작물|원저작|원본\s*(?:기사|사진|이미지|글|영상)|원문\s*(?:기사|주소|링크)|저작권\s*등록",
    re.I,
)
_COPYRIGHT_RE = re.compile(r"copyright|저작권", re.I)
_PHONE_RE = re.compile(r"(?<![\d-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)\s?|\d{1,4}[\s.-])\d{3,4}[\s.-]\d{4}(?![\d-])")
_CONTACT_LABEL_RE = re.compile(
    r"^[ \t*>-]*(?:phone|tel|telephone|mobile|fax|address|postal address|mailing address"
    r"|전화(?:번호)?|연락처|주소|휴대(?:폰|전화))\s*[:：]\s*\S",
    re.I | re.M,
)
_POSTAL_RE = re.compile(
    r"\b\d{1,6}\s+(?:[A-Z][\w.'-]*\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln"
    r"|Drive|Dr|Way|Court|Ct|Place|Pl|Square|Sq)\b\.?|\bP\.?\s?O\.?\s+Box\s+\d+|\bSuite\s+\d+"
    # Bounded repeats: an unbounded [가-힣]+ backtracks quadratically over long Hangul runs.
    r"|(?<![가-힣])[가-힣]{1,8}(?:특별시|광역시|시|도)\s+[가-힣]{1,8}(?:구|군|시)\s+[가-힣0-9]{1,12}(?:로|길)\s*\d+",
)
_GOOD_FAITH_RE = re.compile(r"\bgood[\s-]+faith\b|선의", re.I)
_PERJURY_RE = re.compile(
    r"\bpenalt(?:y|ies)\s+of\s+perjury\b|위증|허위\s*(?:사실|진술|신고)[^\n]{0,60}(?:책임|처벌)", re.I)
_AUTHORITY_RE = re.compile(
    r"\bauthori[sz]ed\s+to\s+act\b|\bon\s+behalf\s+of\s+the\s+(?:copyright\s+)?owner\b"
    r"|\b(?:i am|i'm|we are)\s+the\s+(?:copyright\s+)?(?:owner|holder)\b|\bexclusive\s+rights?\b"
    r"|권한|권리자|저작권자\s*본인|대리인",
    re.I,
)
_SIGNATURE_RE = re.compile(
    r"^[ \t>]*/s/\s*\S"
    r"|^[ \t>]*(?:signature|signed|electronic signature|e-signature|서명|전자\s*서명)\s*[:：]\s*\S"
    r"|\((?:서명|인)\)",
    re.I | re.M,
)


def _notice_elements(text: str, *, has_article_url: bool, has_other_url: bool) -> dict[str, bool]:
    """Which elements of a valid notice (DMCA §512(c)(3), 저작권법 §103) seem to be there.

    A heuristic for triage: staff confirm. A bare "Regards, Name" is deliberately not a
    signature; the notice must say it is signed ("/s/ Name", "Signature:", "서명:")."""
    return {
        "work_identified": bool(_WORK_RE.search(text))
        or (has_other_url and bool(_COPYRIGHT_RE.search(text))),
        "infringing_url": has_article_url,
        "contact_details": bool(_PHONE_RE.search(text) or _CONTACT_LABEL_RE.search(text)
                                or _POSTAL_RE.search(text)),
        "good_faith_statement": bool(_GOOD_FAITH_RE.search(text)),
        "accuracy_statement": bool(_PERJURY_RE.search(text) and _AUTHORITY_RE.search(text)),
        "signature": bool(_SIGNATURE_RE.search(text)),
    }


