"""The site sets no optional cookie, so the privacy policy no longer describes a consent banner.

Only the untouched default text of the privacy pages changes: staff edits in the admin are kept.
"""

from django.db import migrations

from articles.text import render_markdown

REWORDINGS = {
    "en": [('By default, we set only essential cookies:\n\n- a **session cookie**, to keep you signed in;\n- a **CSRF cookie**, to protect forms against forgery;\n- a **consent cookie**, to remember your cookie choice (kept for 12 months).\n\nWe set no other cookies unless you accept them in the cookie banner. You can change your choice at any time via "Cookie settings" in the footer of every page.', 'We set only the cookies the site needs to work, and no optional ones:\n\n- a **session cookie**, to keep you signed in (set when you sign in);\n- a **CSRF cookie**, to protect the forms of account and contributor pages against forgery.\n\nReading the site sets no cookie at all. We use no analytics, advertising or tracking cookies, so there is nothing to consent to and no cookie banner. If we ever add an optional feature that needs a cookie, we will ask you first. The [cookie page](/cookies/) lists these cookies.'), ('- **Optional cookies**: your consent.\n', "")],
    "ko": [('기본적으로 다음 필수 쿠키만 사용합니다.\n\n- **세션 쿠키**: 로그인 상태 유지\n- **CSRF 쿠키**: 양식 위조 공격 방지\n- **동의 쿠키**: 쿠키 설정 선택 내용 기억(12개월 보관)\n\n쿠키 배너에서 동의하지 않으시면 그 밖의 쿠키는 사용하지 않습니다. 선택은 모든 페이지 하단의 "쿠키 설정"에서 언제든 바꾸실 수 있습니다.', '사이트가 작동하는 데 꼭 필요한 쿠키만 사용하며, 선택 쿠키는 사용하지 않습니다.\n\n- **세션 쿠키**: 로그인 상태 유지(로그인할 때 설정)\n- **CSRF 쿠키**: 계정 및 기고 페이지의 양식을 위조 공격으로부터 보호\n\n사이트를 읽기만 할 때는 쿠키를 전혀 설정하지 않습니다. 분석·광고·추적 쿠키를 사용하지 않으므로 동의를 구할 일이 없고 쿠키 배너도 없습니다. 쿠키가 필요한 선택 기능을 추가하게 되면 먼저 여쭙겠습니다. 사용하는 쿠키는 [쿠키 안내](/ko/cookies/) 페이지에서 볼 수 있습니다.'), ('- **선택 쿠키**: 이용자의 동의\n', "")],
}


def reword(apps, schema_editor):
    Page = apps.get_model("articles", "Page")
    for page in Page.objects.filter(slug="privacy", language__in=REWORDINGS):
        body = page.body
        for old, new in REWORDINGS[page.language]:
            body = body.replace(old, new)
        if body != page.body:
            page.body, page.body_html = body, render_markdown(body)
            page.save(update_fields=["body", "body_html", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0013_subscriber_events")]

    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]
