"""Default disclaimers and the four legal pages, so that every installation has them.

Staff edit both in the admin afterwards; this migration only fills empty tables.
"""

from pathlib import Path

from django.db import migrations

from articles.text import render_markdown

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"

DISCLAIMERS = [
    (
        "cover_art", "Cover art", 10,
        "The cover image is computer-generated art for illustration; it is not a depiction of facts.",
        "표지 이미지는 설명을 돕기 위해 컴퓨터로 생성한 그림이며, 사실을 묘사한 것이 아닙니다.",
    ),
    (
        "opinion", "Opinion", 20,
        "The opinions expressed in this story are the author's own and do not necessarily reflect those of Newsroom.",
        "이 글에 담긴 의견은 필자 개인의 것이며 Newsroom의 입장과 다를 수 있습니다.",
    ),
    (
        "submitted", "Submitted by a user", 30,
        "This story was submitted by a member of our community under the "
        "[Submission Rules and Guidelines]({guidelines_url}). Its cover is computer-generated art.",
        "이 기사는 커뮤니티 회원이 [기고 규칙 및 가이드라인]({guidelines_url})에 따라 제출한 글입니다. "
        "표지는 컴퓨터로 생성한 그림입니다.",
    ),
    (
        "copyright", "Copyright contact", 40,
        "To report copyright infringement, email [{copyright_email}](mailto:{copyright_email}) "
        "or use our [copyright report form]({report_url}).",
        "저작권 침해를 신고하시려면 [{copyright_email}](mailto:{copyright_email})로 이메일을 보내시거나 "
        "[저작권 침해 신고 양식]({report_url})을 이용해 주세요.",
    ),
]


def install(apps, schema_editor):
    Disclaimer = apps.get_model("articles", "Disclaimer")
    Page = apps.get_model("articles", "Page")
    if not Disclaimer.objects.exists():
        for kind, name, position, text_en, text_ko in DISCLAIMERS:
            Disclaimer.objects.create(
                kind=kind, name=name, position=position, text_en=text_en, text_ko=text_ko,
                html_en=render_markdown(text_en), html_ko=render_markdown(text_ko),
            )
    for path in sorted(PAGES_DIR.glob("*.md")):
        slug, language = path.stem.split(".")
        if Page.objects.filter(slug=slug, language=language).exists():
            continue
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        Page.objects.create(
            slug=slug, language=language, title=title.lstrip("# ").strip(), body=body.strip(),
            body_html=render_markdown(body),
        )


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_search_index")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
