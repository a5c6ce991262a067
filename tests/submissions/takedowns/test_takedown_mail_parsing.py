"""newsroom.mail_parsing and the takedown rules of submissions.takedowns.mail_parsing against the sample corpus in tests/data/mail (no database)."""

import random
import re
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsroom.mail_parsing import MAX_TEXT_CHARS, UnparseableMail, decode_bytes, html_to_text
from submissions.takedowns.mail_parsing import NOTICE_ELEMENTS, parse
from submissions.takedowns.mail_parsing import NoticeMail as ParsedMail

MAIL = Path(__file__).resolve().parents[2] / "data" / "mail"
SITE = {"news.example.org"}
SAMPLES = sorted(p.name for p in MAIL.iterdir() if p.suffix == ".eml")


def sample(name: str) -> bytes:
    return (MAIL / name).read_bytes()


def parsed(name: str, **kwargs) -> ParsedMail:
    return parse(sample(name), site_hosts=kwargs.pop("site_hosts", SITE))


# Every sample: who sent it, what it is about, what it points at.
EXPECTED = {
    "notice_plain_en.eml": dict(
        subject="DMCA Takedown Notice - unauthorised use of photograph",
        from_name="Jane Doe", from_address="jane.doe@lumen-photo.example.com",
        article_slugs=["harbour-bridge-reopens-after-repairs"], language="en"),
    "notice_html_only.eml": dict(
        subject="Copyright infringement notice: City budget article",
        from_name="Mark Lee", from_address="legal@metro-daily.example.net",
        article_slugs=["city-council-budget-vote"], language="en"),
    "notice_with_attachments.eml": dict(
        subject="Copyright notice with evidence - Night Market photo",
        from_name="Seo-yeon Kim", from_address="rights@hanbit-images.example.kr",
        article_slugs=["night-market-reopens"], language="en"),
    "notice_euckr.eml": dict(
        subject="[저작권 침해 신고] 메타 신제품 기사 무단 복제",
        from_name="이민호", from_address="legal@hanbit-media.example.kr",
        article_slugs=["메타-신제품-발표"], language="ko"),
    "notice_utf8_qp_ko.eml": dict(
        subject="저작권 침해 신고: 지하철 파업 사진",
        from_name="박지훈", from_address="parkjh@photo.example.kr",
        article_slugs=["서울-지하철-파업"], language="ko"),
    "forwarded_rfc822.eml": dict(
        subject="Fwd: Notice of copyright infringement (ref RA-99812)",
        from_name="Hana Cho", from_address="hana.cho@news.example.org",
        article_slugs=["deep-sea-expedition-returns"], forwarded=True,
        forwarded_from="takedowns@rights-agency.example.com"),
    "forwarded_inline.eml": dict(
        subject="Fwd: Copyright complaint about the marathon photo",
        from_name="Tom Baker", from_address="tom.baker@news.example.org",
        article_slugs=["city-marathon-record"], forwarded=True,
        forwarded_from="priya@shah-photography.example.co.uk"),
    "forwarded_inline_ko.eml": dict(
        subject="전달: 사진 무단 사용 신고", from_name="데스크", from_address="desk@news.example.org",
        article_slugs=["가을-단풍-축제"], forwarded=True, forwarded_from="yujin@studio-choi.example.kr",
        language="ko"),
    "reply_case.eml": dict(
        subject="Re: [TD-2026-00042] We received your copyright notice",
        from_address="jane.doe@lumen-photo.example.com",
        article_slugs=["harbour-bridge-gallery"], case_references=["TD-2026-00042", "TD-2025-01234"]),
    "no_message_id.eml": dict(
        subject="저작권 신고", from_name="Kim Soo", from_address="soo@old-mailer.example.kr",
        article_slugs=["부산-영화제"], synthetic_message_id=True, language="ko"),
    "notice_incomplete.eml": dict(
        subject="Please remove my illustration", from_address="sam@rivera-design.example.com",
        article_slugs=["future-of-urban-farming"], missing_elements=["accuracy_statement", "signature"]),
    "auto_reply.eml": dict(
        subject="Automatic reply: [TD-2026-00042] We received your copyright notice",
        auto_submitted=True, article_slugs=[], case_references=["TD-2026-00042"]),
    "wrong_charset.eml": dict(
        subject="저작권 침해 신고", from_address="user@broken.example.com",
        article_slugs=["harbour-bridge-reopens-after-repairs"]),
    "bounce.eml": dict(
        subject="Undelivered Mail Returned to Sender", from_address="mailer-daemon@mx.news.example.org",
        auto_submitted=True, forwarded=False, case_references=["TD-2026-00017"], article_slugs=[]),
}
DEFAULTS = dict(forwarded=False, forwarded_from="", auto_submitted=False, case_references=[],
                synthetic_message_id=False)
COMPLETE = ["notice_plain_en.eml", "notice_html_only.eml", "notice_with_attachments.eml", "notice_euckr.eml",
            "notice_utf8_qp_ko.eml", "forwarded_rfc822.eml", "forwarded_inline.eml"]


def test_the_table_covers_every_sample():
    assert sorted(EXPECTED) == SAMPLES


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_parses_to_the_expected_fields(name):
    mail = parsed(name)
    for field, value in {**DEFAULTS, **EXPECTED[name]}.items():
        assert getattr(mail, field) == value, field
    assert mail.to_addresses == ["copyright@news.example.org"]
    assert mail.date is None or mail.date.tzinfo is not None
    assert re.fullmatch(r"<[^<>\s]+@[^<>\s]+>", mail.message_id)
    assert mail.size == len(sample(name))


@pytest.mark.parametrize("name", COMPLETE)
def test_complete_notices_have_every_element(name):
    mail = parsed(name)
    assert mail.notice_elements == dict.fromkeys(NOTICE_ELEMENTS, True)
    assert mail.missing_elements == [] and mail.is_complete_notice


def test_incomplete_notice_says_what_is_missing():
    mail = parsed("notice_incomplete.eml")
    assert mail.missing_elements == ["accuracy_statement", "signature"]
    assert not mail.is_complete_notice
    assert mail.notice_elements["good_faith_statement"] and mail.notice_elements["contact_details"]


def test_a_sign_off_is_not_a_signature_but_a_declared_one_is():
    base = b"From: a@example.com\nSubject: x\n\n"
    assert not parse(base + b"Thanks,\nSam\n", site_hosts=SITE).notice_elements["signature"]
    for line in ("/s/ Sam Rivera", "Signature: Sam Rivera", "서명: 홍길동", "홍길동 (인)"):
        mail = parse(base + line.encode() + b"\n", site_hosts=SITE)
        assert mail.notice_elements["signature"], line


def test_perjury_without_authority_is_not_an_accuracy_statement():
    mail = parse(b"From: a@example.com\n\nI say this under penalty of perjury.\n", site_hosts=SITE)
    assert not mail.notice_elements["accuracy_statement"]


# --- Korean and charsets -------------------------------------------------------------------------


def test_euc_kr_body_and_headers_are_decoded():
    mail = parsed("notice_euckr.eml")
    assert "선의로 믿습니다" in mail.text and "위증 시 처벌" in mail.text
    assert "서울특별시 중구 세종대로 110" in mail.text
    assert "\ufffd" not in mail.text and not mail.defects


def test_article_urls_are_canonical_and_percent_decoded():
    assert parsed("notice_euckr.eml").article_urls == ["https://news.example.org/ko/articles/메타-신제품-발표/"]
    # A raw Korean IRI and a scheme-less English link to the same article: one slug, two URLs.
    assert parsed("notice_utf8_qp_ko.eml").article_urls == [
        "https://news.example.org/ko/articles/서울-지하철-파업/",
        "https://news.example.org/articles/서울-지하철-파업/",
    ]
    # The same page with a tracking query string is the same URL.
    assert parsed("notice_plain_en.eml").article_urls == [
        "https://news.example.org/articles/harbour-bridge-reopens-after-repairs/"]


def test_only_links_to_our_site_count():
    mail = parsed("notice_plain_en.eml", site_hosts={"elsewhere.example"})
    assert mail.article_urls == [] and not mail.notice_elements["infringing_url"]
    # Django's ALLOWED_HOSTS forms work: a leading dot means the domain and its subdomains.
    assert parsed("notice_plain_en.eml", site_hosts={".example.org"}).article_slugs
    assert parse(sample("notice_plain_en.eml"), site_hosts="news.example.org").article_slugs


def test_iso_2022_kr_subject_and_body():
    mail = parsed("no_message_id.eml")
    assert mail.subject == "저작권 신고"
    assert mail.text.startswith("저작권 침해 게시물 신고합니다.")


def test_wrong_charset_and_garbage_bytes_degrade_to_replacement_characters():
    mail = parsed("wrong_charset.eml")
    assert mail.subject == "저작권 침해 신고"  # raw 8-bit CP949 in the header
    assert "제 사진이 무단으로 사용되었습니다" in mail.text  # UTF-8 labelled ISO-8859-1
    assert "\ufffd" in mail.text  # the garbage bytes
    assert "“quoted”" in mail.text  # unknown charset, broken quoted-printable
    assert [(a.filename, a.content_type) for a in mail.attachments] == [("broken.pdf", "application/pdf")]
    assert any("read as utf-8" in d for d in mail.defects)
    assert any("Base64" in d for d in mail.defects)


@pytest.mark.parametrize("data, charset, expected", [
    ("똠방각하".encode("cp949"), "euc-kr", "똠방각하"),  # CP949-only syllables labelled EUC-KR
    ("한국어".encode("cp949"), "ks_c_5601-1987", "한국어"),
    ("한국어".encode(), "iso-8859-1", "한국어"),
    ("café".encode("latin-1"), "iso-8859-1", "café"),
    ("한국어".encode("cp949"), "x-unknown", "한국어"),
    (b"plain", None, "plain"),
])
def test_decode_bytes_recovers_mislabelled_text(data, charset, expected):
    assert decode_bytes(data, charset) == expected


# --- HTML ----------------------------------------------------------------------------------------


def test_html_only_notice_becomes_readable_text():
    mail = parsed("notice_html_only.eml")
    assert "alert(" not in mail.text and "document.write" not in mail.text and "color:" not in mail.text
    assert "this article on your site (https://news.example.org/articles/city-council-budget-vote/)" in mail.text
    assert "“City budget: what the council voted”" in mail.text
    assert "- Copyrighted work: the article text and the chart\n- Infringing page" in mail.text
    assert mail.html.lstrip().startswith("<!DOCTYPE html>") and "<script>" in mail.html  # archive only


def test_html_to_text_survives_broken_markup():
    assert html_to_text("<head><title>t</title><body><p>Hi &amp; bye<p>two") == "Hi & bye\n\ntwo"
    assert html_to_text('<a href="https://x.example/p">https://x.example/p</a>') == "https://x.example/p"
    assert html_to_text("<script>never</script><<>>&#xZZ;<style>") == "<<>>&#xZZ;"


@pytest.mark.parametrize("bomb", ["<!--" * 50_000, "<a " * 100_000, "<?" * 100_000, "</" * 100_000])
def test_html_that_never_closes_stays_fast(bomb):
    # Unpatched html.parser rescans to the end from each unclosed construct: minutes, not ms.
    started = time.monotonic()
    html_to_text(f"<p>before</p>{bomb}")
    assert time.monotonic() - started < 5


# --- attachments, forwards, replies ----------------------------------------------------------------


def test_attachments_keep_bytes_types_and_decoded_filenames():
    mail = parsed("notice_with_attachments.eml")
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("evidence.pdf", "application/pdf"), ("원본_사진.png", "image/png")]
    pdf, png = mail.attachments
    assert pdf.data.startswith(b"%PDF-1.4") and pdf.size == len(pdf.data)
    assert png.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert "<a href=" in mail.html and "Please find attached" in mail.text  # plain preferred


def test_encoded_word_and_8bit_filenames():
    template = ('From: a@example.com\nContent-Type: multipart/mixed; boundary="b"\n\n--b\n'
                "Content-Type: application/pdf\nContent-Disposition: attachment; filename=\"{}\"\n\nx\n--b--\n")
    encoded = template.format("=?UTF-8?B?7JuQ67O4LnBkZg==?=").encode()
    assert parse(encoded, site_hosts=SITE).attachments[0].filename == "원본.pdf"
    raw_cp949 = template.format("원본.pdf").encode("cp949")
    assert parse(raw_cp949, site_hosts=SITE).attachments[0].filename == "원본.pdf"
    path = template.format("..\\\\..\\\\etc/passwd").encode()
    assert parse(path, site_hosts=SITE).attachments[0].filename == "passwd"


def test_forwarded_message_is_scanned_with_its_headers():
    mail = parsed("forwarded_rfc822.eml")
    assert "---------- Forwarded message ----------" in mail.text
    assert "From: Rights Desk <takedowns@rights-agency.example.com>" in mail.text
    assert "/s/ Alex Morgan" in mail.text
    assert mail.attachments == []  # the forwarded notice is text, not an attachment


def test_attachments_of_a_forwarded_message_are_kept():
    inner = ('From: agency@example.com\nSubject: notice\nContent-Type: multipart/mixed; boundary="in"\n\n'
             "--in\nContent-Type: text/plain\n\nSee https://news.example.org/articles/inner/\n"
             '--in\nContent-Type: application/pdf\nContent-Disposition: attachment; filename="proof.pdf"\n\n'
             "%PDF-1.4\n--in--\n")
    raw = ('From: staff@news.example.org\nSubject: Fwd: notice\nContent-Type: multipart/mixed; boundary="out"\n\n'
           f"--out\nContent-Type: text/plain\n\nFYI\n--out\nContent-Type: message/rfc822\n\n{inner}\n--out--\n")
    mail = parse(raw.encode(), site_hosts=SITE)
    assert [a.filename for a in mail.attachments] == ["proof.pdf"]
    assert mail.article_slugs == ["inner"] and mail.forwarded_from == "agency@example.com"


def test_outlook_original_message_in_a_reply_is_not_a_forward():
    raw = (b"From: a@example.com\nSubject: RE: your notice\nIn-Reply-To: <x@y>\n\nok\n\n"
           b"-----Original Message-----\nFrom: Newsroom [mailto:copyright@news.example.org]\n\nTD-2026-00001\n")
    mail = parse(raw, site_hosts=SITE)
    assert not mail.forwarded and mail.case_references == ["TD-2026-00001"]
    forward = raw.replace(b"RE: your notice", b"FW: a notice").replace(b"In-Reply-To: <x@y>\n", b"")
    mail = parse(forward, site_hosts=SITE)
    assert mail.forwarded and mail.forwarded_from == "copyright@news.example.org"


def test_reply_threads_to_the_case():
    mail = parsed("reply_case.eml")
    assert mail.in_reply_to == "<td-2026-00042.ack@news.example.org>"
    assert mail.references == ["<20261103091405.4471.jane@lumen-photo.example.com>",
                               "<td-2026-00042.ack@news.example.org>"]


def test_case_references_need_clean_edges():
    text = "TD-2026-00042번 사건, xTD-2026-00001, TD-2026-0004231, td-2026-00007."
    mail = parse(f"From: a@example.com\n\n{text}\n".encode(), site_hosts=SITE)
    assert mail.case_references == ["TD-2026-00042", "TD-2026-00007"]


def test_recipients_put_the_envelope_first():
    mail = parsed("notice_plain_en.eml")
    assert mail.delivered_to == ["copyright@news.example.org"]
    assert mail.recipients == ["copyright@news.example.org"]


def test_dates_are_aware_or_none():
    assert parsed("notice_plain_en.eml").date == datetime(2026, 11, 3, 10, 14, 5, tzinfo=timezone(timedelta(hours=1)))
    assert parse(b"From: a@example.com\nDate: -0000\n\nx", site_hosts=SITE).date is None
    unknown_zone = parse(b"From: a@example.com\nDate: Tue, 3 Nov 2026 10:00:00 -0000\n\nx", site_hosts=SITE)
    assert unknown_zone.date == datetime(2026, 11, 3, 10, tzinfo=UTC)


# --- loops ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("header, auto", [
    ("Auto-Submitted: auto-replied", True),
    ("Auto-Submitted: auto-generated; owner-email=x@y", True),
    ("Auto-Submitted: no", False),
    ("Precedence: bulk", True),
    ("Precedence: list", True),
    ("X-Autorespond: yes", True),
    ("Return-Path: <>", True),
    ("X-Mailer: Outlook", False),
])
def test_auto_submitted_headers(header, auto):
    raw = f"From: a@example.com\n{header}\nSubject: s\n\nbody\n".encode()
    assert parse(raw, site_hosts=SITE).auto_submitted is auto


def test_postmaster_is_automatic():
    assert parse(b"From: postmaster@example.com\n\nx", site_hosts=SITE).auto_submitted


# --- identity --------------------------------------------------------------------------------------


def test_synthetic_message_id_is_stable_across_runs_and_line_endings():
    raw = sample("no_message_id.eml")
    expected = "<sha256-724e4dc9aa21e4731026dffd67d64d088bb42a40689308fac14bdd157dbeb1f1@newsroom.invalid>"
    assert parse(raw, site_hosts=SITE).message_id == expected  # fixed: stored cases depend on it
    # The same message read back over IMAP has CRLF line endings: still the same message.
    assert parse(raw.replace(b"\n", b"\r\n"), site_hosts=SITE).message_id == expected
    assert parse(raw + b"another line\n", site_hosts=SITE).message_id != expected


def test_mbox_from_line_from_a_pipe_is_ignored():
    raw = b"From jane@example.com Tue Nov  3 09:14:22 2026\n" + sample("notice_plain_en.eml")
    mail = parse(raw, site_hosts=SITE)
    assert mail.message_id == parsed("notice_plain_en.eml").message_id
    assert mail.from_address == "jane.doe@lumen-photo.example.com"


# --- what is not a message, and what is too much ------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"   \r\n\r\n", b"just some words\nno headers\n", b"\x00\x01\x02\xff" * 10])
def test_not_a_message_raises_unparseable_mail(raw):
    with pytest.raises(UnparseableMail) as error:
        parse(raw, site_hosts=SITE)
    assert error.value.reason


def test_random_bytes_are_unparseable():
    with pytest.raises(UnparseableMail, match="no mail headers"):
        parse((MAIL / "garbage.bin").read_bytes(), site_hosts=SITE)


def test_headers_without_body_are_still_a_message():
    mail = parse(b"From: Someone <someone@example.com>\n", site_hosts=SITE)
    assert mail.from_address == "someone@example.com" and mail.text == ""
    assert mail.missing_elements == list(NOTICE_ELEMENTS)


def test_huge_messages_are_bounded():
    line = b"word https://news.example.org/articles/huge/ "
    mail = parse(b"From: a@example.com\n\n" + line * 20_000, site_hosts=SITE)
    assert len(mail.text) <= MAX_TEXT_CHARS + 10
    assert mail.article_slugs == ["huge"]
    assert any("cut" in d for d in mail.defects)


def test_thousands_of_links_to_this_site_stay_fast():
    # Each link to this site is resolved against the URL patterns: a flood of them must not stall the intake.
    flood = " ".join(f"n.io/{i}" for i in range(25_000))
    raw = f"From: a@example.com\n\nSee https://n.io/articles/first/ and {flood}\n".encode()
    started = time.monotonic()
    mail = parse(raw, site_hosts={"n.io"})
    assert time.monotonic() - started < 3
    assert mail.article_slugs == ["first"]


def test_deep_nesting_is_cut_not_fatal():
    body = b"hello"
    for depth in range(80):
        body = b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n%s\n--b%d--\n' % (depth, depth, body, depth)
    mail = parse(b"From: a@example.com\n" + body, site_hosts=SITE)
    assert any("nested" in d for d in mail.defects)


@pytest.mark.parametrize("name", [*SAMPLES, "garbage.bin"])
def test_truncated_and_corrupted_samples_never_raise_anything_else(name):
    raw = (MAIL / name).read_bytes()
    rng = random.Random(name)  # reproducible per sample
    variants = [raw[:cut] for cut in sorted(rng.sample(range(len(raw)), min(60, len(raw))))]
    for _ in range(40):
        corrupted = bytearray(raw)
        for _ in range(rng.randint(1, 30)):
            corrupted[rng.randrange(len(corrupted))] = rng.randrange(256)
        variants.append(bytes(corrupted))
    for variant in variants:
        try:
            mail = parse(variant, site_hosts=SITE)
        except UnparseableMail:
            continue
        assert isinstance(mail.text, str) and isinstance(mail.message_id, str)


@pytest.mark.parametrize("label", ["idna", "punycode", "rot13", "base64", "zlib", "undefined", "x-no-such-charset"])
def test_any_charset_label_decodes_with_replacement_characters(label):
    """A label naming a codec that is not a text encoding (or no codec at all) never fails the message."""
    korean = "저작권".encode()
    raw = (f"From: a@example.com\nSubject: =?{label}?B?7KCA7J6R6raM?= notice\nMIME-Version: 1.0\n"
           f"Content-Type: multipart/alternative; boundary=b\n\n"
           f"--b\nContent-Type: text/plain; charset={label}\n\n").encode()
    raw += b"My photo is at https://news.example.org/articles/x/ " + korean + b" \xff\n"
    raw += f"--b\nContent-Type: text/html; charset=\"{label}\"\n\n<p>".encode() + korean + b"</p>\n--b--\n"
    mail = parse(raw, site_hosts=SITE)
    assert "My photo is at" in mail.text and "저작권" in mail.text and "\ufffd" in mail.text
    assert mail.subject == "저작권 notice" and "저작권" in mail.html
    assert mail.article_slugs == ["x"]
    assert decode_bytes(korean, label) == "저작권"
