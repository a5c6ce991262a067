"""The default "submitted" disclaimer said "Its cover is computer-generated art", which is false for
an article whose editors uploaded a photo. The cover is described by its own caption (the cover-art
note for generated art, the editors' credit for an upload), so the sentence goes.

Only the untouched default text changes: staff edits in the admin are left as they are.
"""

from django.db import migrations

from articles.text import render_markdown

OLD_EN = (
    "This story was submitted by a member of our community under the "
    "[Submission Rules and Guidelines]({guidelines_url}). Its cover is computer-generated art."
)
OLD_KO = (
    "이 기사는 커뮤니티 회원이 [기고 규칙 및 가이드라인]({guidelines_url})에 따라 제출한 글입니다. "
    "표지는 컴퓨터로 생성한 그림입니다."
)
NEW_EN = "This story was submitted by a member of our community under the [Submission Rules and Guidelines]({guidelines_url})."
NEW_KO = "이 기사는 커뮤니티 회원이 [기고 규칙 및 가이드라인]({guidelines_url})에 따라 제출한 글입니다."


def reword(old_en, old_ko, new_en, new_ko):
    def apply(apps, schema_editor):
        Disclaimer = apps.get_model("articles", "Disclaimer")
        for disclaimer in Disclaimer.objects.filter(kind="submitted"):
            changed = False
            if disclaimer.text_en == old_en:
                disclaimer.text_en, disclaimer.html_en, changed = new_en, render_markdown(new_en), True
            if disclaimer.text_ko == old_ko:
                disclaimer.text_ko, disclaimer.html_ko, changed = new_ko, render_markdown(new_ko), True
            if changed:
                disclaimer.save(update_fields=["text_en", "html_en", "text_ko", "html_ko"])

    return apply


install = reword(OLD_EN, OLD_KO, NEW_EN, NEW_KO)


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_listing_language_index")]

    operations = [migrations.RunPython(install, reword(NEW_EN, NEW_KO, OLD_EN, OLD_KO))]
