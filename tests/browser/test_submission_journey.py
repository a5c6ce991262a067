"""A story's whole journey in a real Chromium: sign-up, submission with hostile markup, changes, approval."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from articles.models import Article
from newsroom.models import RateCounter
from submissions.models import Status, Submission
from tests import factories
from tests.browser.conftest import DESKTOP, MOBILE, pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE_BODY = """The riverside library will stay open on weekends, the council decided on Tuesday.

<script>alert('script tag')</script>
<img src=x onerror="alert('img onerror')">
<a href="https://example.org/minutes" onclick="alert('onclick')">the minutes</a>
[a sneaky link](javascript:alert('markdown link'))

## Two thousand signatures

> We waited all summer for this, said one of the organisers.

Residents collected more than two thousand signatures. The vote passed by seven to two after a debate about staff costs.
"""


def watch(page):
    """Collect every alert() (there must be none) and CSP refusals from the console."""
    problems = []
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and ("Content Security Policy" in msg.text or "Refused" in msg.text) else None)
    return problems


def log_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.locator("#main form button[type=submit]").click()
    pass_second_factor(page, username)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_contributor_to_moderator_to_article_draft(browser, live_server, artifacts_dir):
    base = live_server.url
    section = factories.category(name="Local", name_ko="지역")
    factories.moderator(username="maya", display_name="Maya Moderator")

    contributor = browser.new_context(viewport=DESKTOP)
    moderator = browser.new_context(viewport=DESKTOP)
    writer_page, mod_page = contributor.new_page(), moderator.new_page()
    problems = watch(writer_page) + watch(mod_page)
    writer_problems, mod_problems = watch(writer_page), watch(mod_page)

    # 1. A contributor signs up, loses the confirmation email, logs in to get it again, and confirms.
    writer_page.goto(base + "/")
    writer_page.get_by_role("link", name="Sign up").click()
    writer_page.fill("input[name=username]", "jiwoo")
    writer_page.fill("input[name=email]", "jiwoo@example.com")
    writer_page.fill("input[name=display_name]", "Jiwoo Han")
    writer_page.fill("input[name=password1]", "a-long-and-unusual-passphrase")
    writer_page.fill("input[name=password2]", "a-long-and-unusual-passphrase")
    writer_page.locator("#main form button[type=submit]").click()
    expect(writer_page.locator("#main h1")).to_have_text("Verify Your Email Address")
    assert len(mail.outbox) == 1  # ...and it is lost
    RateCounter.objects.all().delete()  # minutes pass: the confirmation email's cooldown is over
    writer_page.goto(f"{base}/accounts/login/")
    writer_page.fill("input[name=login]", "jiwoo@example.com")
    writer_page.fill("input[name=password]", "a-long-and-unusual-passphrase")
    writer_page.locator("#main form button[type=submit]").click()
    expect(writer_page.locator("#main h1")).to_have_text("Verify Your Email Address")
    assert len(mail.outbox) == 2 and mail.outbox[-1].to == ["jiwoo@example.com"]
    confirmation = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    writer_page.goto(base + confirmation)
    writer_page.locator("#main form button[type=submit]").click()
    expect(writer_page.locator(".alert-success")).to_contain_text("jiwoo@example.com")
    log_in(writer_page, base, "jiwoo", "a-long-and-unusual-passphrase")
    expect(writer_page.get_by_role("link", name="My submissions")).to_be_visible()

    # 2. They write a story with hostile HTML and Markdown, preview it, and submit it.
    writer_page.get_by_role("link", name="Write for us").click()
    expect(writer_page.locator("h1")).to_have_text("Send us your story")
    writer_page.fill("input[name=title]", "Riverside library will stay open on weekends")
    writer_page.fill("textarea[name=summary]", "The council voted seven to two after a summer of petitions.")
    writer_page.fill("textarea[name=body]", HOSTILE_BODY)
    writer_page.select_option("select[name=category]", label="Local")
    writer_page.fill("input[name=tags]", "library, council")
    writer_page.fill("textarea[name=sources]", "https://example.org/minutes")
    writer_page.check("input[name=accept_guidelines]")
    writer_page.check("input[name=confirm_rights]")
    writer_page.locator("button[name=action][value=preview]").click()
    preview = writer_page.locator(".story--preview")
    expect(preview.locator(".story-body h2")).to_have_text("Two thousand signatures")
    expect(preview.locator("a[href='https://example.org/minutes']")).to_have_attribute("rel", "nofollow ugc noopener")
    assert preview.locator("script, img, [onclick], [onerror], a[href^='javascript']").count() == 0
    writer_page.screenshot(path=f"{artifacts_dir}/submission-preview.png", full_page=True)
    writer_page.locator("button[name=action][value=submit]").click()
    expect(writer_page.locator(".alert-success")).to_contain_text("in the moderation queue")
    submission = Submission.objects.get()
    assert submission.status == Status.SUBMITTED

    # 3. A moderator claims it from the queue and requests changes, with reasons.
    log_in(mod_page, base, "maya", factories.PASSWORD)
    mod_page.get_by_role("link", name="Moderation").click()
    expect(mod_page.locator(".queue-table")).to_contain_text("Riverside library will stay open on weekends")
    mod_page.screenshot(path=f"{artifacts_dir}/moderation-queue.png", full_page=True)
    mod_page.get_by_role("link", name="Riverside library will stay open on weekends").click()
    mod_page.get_by_role("button", name="Claim for review").click()
    expect(mod_page.locator(".alert-success")).to_contain_text("You have claimed this submission")
    assert mod_page.locator(".story--preview script, .story--preview img").count() == 0
    mod_page.fill("textarea[name=reason]", "Please say when the new hours start, and link the council's announcement.")
    mod_page.get_by_role("button", name="Request changes").click()
    expect(mod_page.locator(".status-badge").first).to_have_text(re.compile("Changes requested", re.I))
    assert any("Changes requested" in m.subject for m in mail.outbox)

    # 4. The contributor sees the feedback, edits and resubmits.
    writer_page.goto(base + "/my/submissions/")
    expect(writer_page.locator(".submission-row")).to_contain_text("Please say when the new hours start")
    writer_page.screenshot(path=f"{artifacts_dir}/contributor-dashboard.png", full_page=True)
    writer_page.get_by_role("link", name="Edit and resubmit").click()
    expect(writer_page.locator(".feedback-box")).to_contain_text("Please say when the new hours start")
    writer_page.fill("input[name=title]", "Riverside library opens on weekends from June")
    writer_page.fill("textarea[name=body]", HOSTILE_BODY.replace(
        "decided on Tuesday.", "decided on Tuesday. The new hours start on 1 June."))
    writer_page.fill("textarea[name=sources]", "https://example.org/minutes\nhttps://example.org/announcement")
    writer_page.check("input[name=accept_guidelines]")
    writer_page.check("input[name=confirm_rights]")
    writer_page.get_by_role("button", name="Resubmit for review").click()
    expect(writer_page.locator(".status-badge").first).to_have_text(re.compile("Waiting for review", re.I))
    writer_page.screenshot(path=f"{artifacts_dir}/contributor-submission-detail.png", full_page=True)

    # 5. The moderator sees the diff between the revisions and approves.
    mod_page.goto(base + "/moderation/")
    mod_page.get_by_role("link", name="Riverside library opens on weekends from June").click()
    mod_page.get_by_role("button", name="Claim for review").click()
    diff = mod_page.locator(".diff-table")
    expect(mod_page.locator("#diff-title")).to_have_text("Changes from revision 1 to 2")
    expect(diff.locator("ins").first).to_be_visible()
    expect(mod_page.locator(".diff-block")).to_contain_text(["Title", "Sources", "Body"])
    expect(diff.locator("ins", has_text="The new hours start on 1 June.")).to_have_count(1)
    expect(mod_page.locator(".diff-block", has_text="Body")).to_contain_text("<script>alert('script tag')</script>")
    mod_page.screenshot(path=f"{artifacts_dir}/moderation-review-diff.png", full_page=True)
    mod_page.fill("textarea[name=reason]", "Thank you: clear, sourced and local.")
    mod_page.get_by_role("button", name="Approve").click()
    expect(mod_page.locator(".alert-success")).to_contain_text("An article draft is waiting for the editors")

    # 6. An Article draft exists, linked to its submission, with the sanitized body.
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert article.submission.pk == submission.pk
    assert article.title == "Riverside library opens on weekends from June"
    assert article.author.username == "jiwoo"
    assert "<script" not in article.body_html and "onerror" not in article.body_html
    assert "javascript:" not in article.body_html
    submission.refresh_from_db()
    assert [e.to_status for e in submission.events.order_by("id")] == [
        "draft", "submitted", "in_review", "changes_requested", "submitted", "in_review", "approved",
    ]
    assert any("approved" in m.subject for m in mail.outbox)

    # The same pages in Korean, and on a phone.
    mod_page.goto(base + "/ko/moderation/")
    mod_page.screenshot(path=f"{artifacts_dir}/moderation-queue-korean.png", full_page=True)
    mod_page.goto(base + f"/ko/moderation/{submission.pk}/")
    mod_page.screenshot(path=f"{artifacts_dir}/moderation-review-korean.png", full_page=True)
    writer_page.goto(base + "/ko/my/submissions/")
    writer_page.screenshot(path=f"{artifacts_dir}/contributor-dashboard-korean.png", full_page=True)
    writer_page.set_viewport_size(MOBILE)
    writer_page.goto(base + "/submit/")
    assert writer_page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    writer_page.screenshot(path=f"{artifacts_dir}/submission-form-mobile.png", full_page=True)

    assert not writer_problems and not mod_problems and not problems, writer_problems + mod_problems + problems
    contributor.close()
    moderator.close()
