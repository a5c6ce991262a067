import re
from datetime import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from articles.models import Article
from submissions import moderation, tokens
from submissions.models import Flag, ModerationEvent, Revision, Status, Submission
from tests import factories

pytestmark = pytest.mark.django_db

HOSTILE_BODY = """Residents gathered at the library on Saturday to celebrate the council's decision.

<script>alert('xss')</script>
<img src=x onerror="alert('img')">
<iframe src="https://evil.example"></iframe>
<a href="https://example.org/report" onclick="steal()" style="color:red">the report</a>

[click me](javascript:alert('md'))  and [data](data:text/html;base64,PHNjcmlwdD4=)

<p onmouseover="alert(1)">Hover text</p>

> A quote from the mayor, with **bold** words and a [good link](https://example.org/mayor).
"""


@pytest.fixture
def writer(db):
    return factories.user(username="writer", email="writer@example.com", display_name="Wendy Writer")


@pytest.fixture
def mod(db):
    return factories.moderator(username="mod")


def story(category, **overrides):
    data = {
        "title": "Riverside library stays open on weekends",
        "summary": "The council voted seven to two after a summer of petitions.",
        "body": factories.STORY_BODY,
        "category": category.pk,
        "tags": "library, council",
        "language": "en",
        "sources": "https://example.org/minutes",
        "accept_guidelines": "on",
        "confirm_rights": "on",
        "action": "submit",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Contributors ---------------------------------------------------------------

@pytest.mark.parametrize("path", ["/submit/", "/ko/submit/"])
def test_submission_form_renders_for_guests_and_members(client, writer, path):
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("title", "summary", "body", "category", "tags", "language", "sources", "no_sources", "image",
                 "accept_guidelines", "confirm_rights", "guest_name", "guest_email"):
        assert f'name="{name}"' in html, name
    assert 'value="submit"' in html and 'enctype="multipart/form-data"' in html

    client.force_login(writer)
    html = client.get(path).content.decode()
    assert 'name="guest_email"' not in html and 'value="draft"' in html


def test_contributor_submits_a_story(client, writer, category):
    client.force_login(writer)

    response = client.post("/submit/", story(category))

    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/my/submissions/{submission.pk}/"
    assert submission.status == Status.SUBMITTED and submission.contributor == writer
    assert submission.revisions.get().number == 1
    assert submission.tag_list == ["library", "council"]
    assert list(submission.source_links.values_list("normalized", flat=True)) == ["example.org/minutes"]


def test_save_draft_then_submit_it(client, writer, category):
    client.force_login(writer)

    response = client.post("/submit/", {"title": "Working title", "language": "en", "action": "draft"})

    submission = Submission.objects.get()
    assert response.status_code == 302 and submission.status == Status.DRAFT
    assert not submission.revisions.exists()
    response = client.post(f"/my/submissions/{submission.pk}/edit/", story(category))
    submission.refresh_from_db()
    assert response.status_code == 302 and submission.status == Status.SUBMITTED
    assert submission.title == "Riverside library stays open on weekends"


def test_preview_renders_sanitized_html_and_saves_nothing(client, writer, category):
    client.force_login(writer)

    response = client.post("/submit/", story(category, body=HOSTILE_BODY, action="preview"))

    html = response.content.decode()
    assert response.status_code == 200 and not Submission.objects.exists()
    assert "Preview: as readers will see it" in html
    assert 'value="Riverside library stays open on weekends"' in html  # what was typed is kept
    assert "is-invalid" not in html  # a preview is not a validation
    preview = html.split('class="story story--preview"')[1].split("</article>")[0]
    assert "<strong>bold</strong>" in preview
    assert "<script" not in preview and "onerror" not in preview and "javascript:" not in preview


def test_hostile_html_and_markdown_are_sanitized_on_the_way_in(client, writer, category, mod):
    client.force_login(writer)
    client.post("/submit/", story(category, body=HOSTILE_BODY))
    revision = Revision.objects.get()

    stored = revision.body_html
    for bad in ("<script", "onerror", "onclick", "onmouseover", "<iframe", "javascript:", "data:text", "style=",
                "<img"):
        assert bad not in stored, bad
    assert '<a href="https://example.org/report" rel="nofollow ugc noopener">the report</a>' in stored
    assert '<a href="https://example.org/mayor" rel="nofollow ugc noopener">good link</a>' in stored

    client.force_login(mod)
    html = client.get(f"/moderation/{revision.submission_id}/").content.decode()
    assert "<script>alert" not in html and "onerror=" not in html


def test_the_approved_article_shows_the_same_sanitized_html(writer, mod, category):
    submission = factories.submission(status=Status.IN_REVIEW, by=mod, body=HOSTILE_BODY, contributor=writer)
    article = moderation.approve(submission, by=mod)
    assert article.body_html == submission.revisions.get().body_html


def test_an_uploaded_image_is_stored_re_encoded(client, writer, category):
    client.force_login(writer)
    upload = factories.image_upload(width=600, height=400, fmt="PNG", name="../../etc/passwd.png")

    client.post("/submit/", {**story(category), "image": upload})

    submission = Submission.objects.get()
    assert submission.image.name.startswith("submissions/") and ".." not in submission.image.name
    assert (submission.image_width, submission.image_height) == (600, 400)
    assert submission.revisions.get().image.name == submission.image.name


def test_bad_image_shows_its_message(client, writer, category):
    client.force_login(writer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/submit/", {**story(category), "image": SimpleUploadedFile("x.png", b"nope")})

    assert response.status_code == 400
    assert "This file is not an image we can read" in response.content.decode()
    assert not Submission.objects.exists()


def test_validation_errors_are_shown_on_the_page(client, writer, category):
    client.force_login(writer)
    response = client.post("/submit/", story(category, sources="", accept_guidelines=None, body="short"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Add at least one source link" in html
    assert "You must accept the Submission Rules and Guidelines" in html
    assert "The story is too short" in html


def test_honeypot(client, writer, category):
    client.force_login(writer)
    response = client.post("/submit/", story(category, website="https://spam.example"))
    assert response.status_code == 400 and not Submission.objects.exists()
    assert "looks automated" in response.content.decode()


def test_an_unknown_action_counts_as_sending(client, writer, category, settings):
    settings.SUBMISSION_RATE_LIMITS = {**settings.SUBMISSION_RATE_LIMITS, "account": (0, 3600)}
    client.force_login(writer)
    assert client.post("/submit/", story(category, action="sneaky")).status_code == 429
    assert not Submission.objects.exists()


def test_rate_limit_per_account(client, writer, category, settings):
    settings.SUBMISSION_RATE_LIMITS = {**settings.SUBMISSION_RATE_LIMITS, "account": (1, 3600)}
    client.force_login(writer)
    assert client.post("/submit/", story(category)).status_code == 302

    response = client.post("/submit/", story(category, title="Another story entirely", sources="https://b.example/x"))

    assert response.status_code == 429 and response["Retry-After"]
    assert "too many times in a short while" in response.content.decode()
    assert Submission.objects.count() == 1


def test_rate_limit_per_ip_covers_guests_and_members(client, category, settings):
    settings.SUBMISSION_RATE_LIMITS = {**settings.SUBMISSION_RATE_LIMITS, "ip": (1, 3600)}
    guest = story(category, guest_name="G", guest_email="one@example.com")
    assert client.post("/submit/", guest, REMOTE_ADDR="203.0.113.9").status_code == 200

    again = story(category, guest_name="G", guest_email="two@example.com", title="Something else", sources="https://c.example/")
    assert client.post("/submit/", again, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert client.post("/submit/", again, REMOTE_ADDR="203.0.113.10").status_code == 200


def test_rate_limit_per_email_address(client, category, settings):
    settings.SUBMISSION_RATE_LIMITS = {**settings.SUBMISSION_RATE_LIMITS, "email": (1, 3600)}
    settings.SUBMISSION_MAX_WAITING = 10
    assert client.post("/submit/", story(category, guest_name="G", guest_email="same@example.com")).status_code == 200
    response = client.post("/submit/", story(category, guest_name="G", guest_email="SAME@example.com",
                                             title="Other", sources="https://d.example/"), REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 429


def test_draft_saves_are_not_rate_limited(client, writer, settings):
    settings.SUBMISSION_RATE_LIMITS = {"account": (1, 3600), "email": (1, 3600), "ip": (1, 3600)}
    client.force_login(writer)
    for n in range(3):
        assert client.post("/submit/", {"title": f"Draft {n}", "language": "en", "action": "draft"}).status_code == 302


def test_waiting_cap_message(client, writer, category, settings):
    settings.SUBMISSION_MAX_WAITING = 1
    factories.submission(contributor=writer)
    client.force_login(writer)
    response = client.post("/submit/", story(category))
    assert response.status_code == 400
    assert "You already have 1 story waiting for review" in response.content.decode()


def test_duplicate_message(client, writer, category):
    factories.submission(sources=["https://example.org/minutes"])
    client.force_login(writer)
    response = client.post("/submit/", story(category))
    assert response.status_code == 400
    assert "A story based on this source has already been submitted" in response.content.decode()


@pytest.mark.parametrize("overrides, message", [
    ({"website": "https://spam.example"}, "Your message looks automated"),
    ({}, "A story based on this source has already been submitted"),
])
def test_a_form_level_error_is_shown_once(client, writer, category, overrides, message):
    factories.submission(sources=["https://example.org/minutes"])
    client.force_login(writer)
    html = client.post("/submit/", story(category, **overrides)).content.decode()
    assert html.count(message) == 1


def test_the_report_forms_form_level_error_is_shown_once(client, article):
    html = client.post(f"/flag/{article.slug}/", {"reason": "spam", "website": "https://spam.example"}).content.decode()
    assert html.count("Your message looks automated") == 1


# --- Guests ---------------------------------------------------------------------

def test_guest_submission_waits_for_the_emailed_link(client, category, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ko/submit/", story(category, guest_name="Hana", guest_email="Hana@Example.com"))

    submission = Submission.objects.get()
    assert response.status_code == 200 and "hana@example.com" in response.content.decode()
    assert submission.status == Status.UNCONFIRMED and submission.contact_language == "ko"
    assert not Submission.objects.in_queue().exists()
    message = mail.outbox[0]
    assert message.to == ["hana@example.com"]
    link = re.search(r"http://testserver(/ko/submit/confirm/\S+/)", message.body).group(1)

    response = client.get(link)

    submission.refresh_from_db()
    assert response.status_code == 200 and submission.status == Status.SUBMITTED
    assert client.get(link).status_code == 200  # a second click says it is already confirmed
    assert submission.events.filter(to_status=Status.SUBMITTED).count() == 1
    # the click also opens the guest's own page
    assert client.get(f"/my/submissions/{submission.pk}/").status_code == 200


@pytest.mark.parametrize("token", ["nonsense", "eyJzIjoxLCJlIjoiYUBiLmMifQ:1abc:bad-signature"])
def test_bad_confirmation_link_gets_a_clear_400_page(client, token):
    response = client.get(f"/submit/confirm/{token}/")
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()


def test_expired_confirmation_link_is_refused(client, settings):
    submission = factories.submission(status=Status.UNCONFIRMED, guest_email="g@example.com")
    token = tokens.confirm_token(submission)
    settings.SUBMISSION_GUEST_CONFIRM_MAX_AGE = -1
    assert client.get(f"/submit/confirm/{token}/").status_code == 400
    submission.refresh_from_db()
    assert submission.status == Status.UNCONFIRMED


def test_a_confirmation_token_cannot_open_someone_elses_submission(client):
    submission = factories.submission(status=Status.UNCONFIRMED, guest_email="g@example.com")
    other = factories.submission(status=Status.SUBMITTED)
    token = tokens.confirm_token(submission)
    assert client.get(f"/my/submissions/access/{token}/").status_code == 400  # wrong salt
    assert client.get(f"/my/submissions/{other.pk}/").status_code == 302  # not granted → log in


def test_guest_follows_the_decision_link_resubmits_and_appeals(client, category, mod, django_capture_on_commit_callbacks):
    submission = factories.submission(status=Status.IN_REVIEW, by=mod, guest_email="g@example.com", category=category)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.request_changes(submission, by=mod, reason="Add the date of the vote.")
    link = re.search(r"http://localhost:8000(/my/submissions/access/\S+/)", mail.outbox[-1].body).group(1)

    response = client.get(link, follow=True)
    assert "Add the date of the vote." in response.content.decode()

    response = client.post(f"/my/submissions/{submission.pk}/edit/",
                           story(category, title=submission.title, body=factories.STORY_BODY + "\n\nThe vote was on 3 June."))
    submission.refresh_from_db()
    assert response.status_code == 302, response.context["form"].errors
    assert submission.status == Status.SUBMITTED and submission.revisions.count() == 2

    moderation.claim(submission, by=mod)
    moderation.reject(submission, by=mod, reason="Off topic")
    response = client.post(f"/my/submissions/{submission.pk}/", {"reason": "It is local news."})
    submission.refresh_from_db()
    assert response.status_code == 302 and submission.status == Status.APPEALED


# --- Dashboard and detail -------------------------------------------------------

def test_dashboard_lists_own_submissions_with_status_and_feedback(client, writer, mod):
    factories.submission(contributor=writer, status=Status.CHANGES_REQUESTED, by=mod, title="Mine with feedback",
                         reason="Please add the vote count.")
    factories.submission(contributor=writer, status=Status.DRAFT, title="My draft")
    factories.submission(title="Someone else's story")
    client.force_login(writer)

    html = client.get("/my/submissions/").content.decode()

    assert "Mine with feedback" in html and "My draft" in html and "Someone else" not in html
    assert "Changes requested" in html and "Please add the vote count." in html
    assert "Edit and resubmit" in html


def test_dashboard_and_submission_page_say_where_an_approved_story_stands(client, writer, mod):
    from articles import publishing

    submission = factories.submission(contributor=writer, status=Status.APPROVED, by=mod, title="Library story")
    client.force_login(writer)
    pages = ("/my/submissions/", f"/my/submissions/{submission.pk}/")

    html = client.get(pages[1]).content.decode()
    assert "It is waiting for the editors" in html and "will schedule it" not in html

    publishing.schedule(submission.article, at=timezone.make_aware(datetime(2031, 5, 4, 9, 30)))
    for page in pages:
        html = client.get(page).content.decode()
        assert "status-badge--scheduled" in html and "May 4, 2031" in html, page

    publishing.publish(submission.article)
    link = f'href="{submission.article.get_absolute_url()}"'
    for page in pages:
        html = client.get(page).content.decode()
        assert ">Published</span>" in html and link in html and ">Approved</span>" not in html, page

    publishing.withdraw(submission.article, by=None, reason="Retracted")
    for page in pages:
        html = client.get(page).content.decode()
        assert ">Withdrawn</span>" in html and link not in html, page


def test_a_guest_sees_their_published_story_through_the_access_link(client, mod):
    from articles import publishing

    submission = factories.submission(guest_email="hana@example.com", status=Status.APPROVED, by=mod)
    publishing.publish(submission.article)

    response = client.get(f"/my/submissions/access/{tokens.access_token(submission)}/", follow=True)

    html = response.content.decode()
    assert ">Published</span>" in html and f'href="{submission.article.get_absolute_url()}"' in html


def test_detail_shows_reasons_timeline_and_appeal_form(client, writer, mod):
    submission = factories.submission(contributor=writer, status=Status.REJECTED, by=mod, reason="Not verifiable.")
    client.force_login(writer)

    html = client.get(f"/my/submissions/{submission.pk}/").content.decode()

    assert "Not verifiable." in html and "Appeal this decision" in html
    assert "Sent for review" in html and "Rejected" in html
    last_actor = re.findall(r'class="meta mb-0">(.*?)</p>', html, re.S)[-1]
    assert "a moderator" in last_actor and not re.search(r"\bmod\b", last_actor)  # moderators stay anonymous

    response = client.post(f"/my/submissions/{submission.pk}/", {"reason": ""})
    assert response.status_code == 400 and "Explain why the decision should be reconsidered" in response.content.decode()
    client.post(f"/my/submissions/{submission.pk}/", {"reason": "The council minutes confirm it."})
    submission.refresh_from_db()
    assert submission.status == Status.APPEALED
    html = client.get(f"/my/submissions/{submission.pk}/").content.decode()
    assert "Appeal this decision" not in html


def test_resubmission_through_the_edit_page(client, writer, mod, category):
    submission = factories.submission(contributor=writer, status=Status.CHANGES_REQUESTED, by=mod, category=category)
    client.force_login(writer)
    page = client.get(f"/my/submissions/{submission.pk}/edit/").content.decode()
    assert "The moderator asked for changes" in page and "Resubmit for review" in page

    client.post(f"/my/submissions/{submission.pk}/edit/", story(category, title="A sharper title about the library"))

    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED
    assert list(submission.revisions.values_list("number", flat=True)) == [1, 2]


def test_submitted_stories_cannot_be_edited(client, writer):
    submission = factories.submission(contributor=writer)
    client.force_login(writer)
    response = client.get(f"/my/submissions/{submission.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == f"/my/submissions/{submission.pk}/"


# --- Permissions ----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/my/submissions/", "/my/submissions/1/", "/my/submissions/1/edit/", "/moderation/",
                                  "/moderation/1/", "/ko/my/submissions/"])
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].split("?")[0].endswith("/accounts/login/")


def test_contributors_cannot_see_each_others_submissions(client, writer):
    other = factories.submission()
    client.force_login(writer)
    assert client.get(f"/my/submissions/{other.pk}/").status_code == 404
    assert client.get(f"/my/submissions/{other.pk}/edit/").status_code == 404
    assert client.post(f"/my/submissions/{other.pk}/", {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("path", ["/moderation/", "/moderation/{pk}/"])
def test_non_moderators_are_refused_moderation(client, writer, path):
    submission = factories.submission()
    client.force_login(writer)
    assert client.get(path.format(pk=submission.pk)).status_code == 403
    assert client.post(f"/moderation/{submission.pk}/", {"action": "claim"}).status_code == 403
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED


def test_header_links_depend_on_who_you_are(client, writer, mod):
    html = client.get("/").content.decode()
    assert 'href="/submit/"' in html and "/my/submissions/" not in html
    client.force_login(writer)
    html = client.get("/").content.decode()
    assert 'href="/my/submissions/"' in html and 'href="/moderation/"' not in html
    client.force_login(mod)
    assert 'href="/moderation/"' in client.get("/").content.decode()


# --- Moderation pages -----------------------------------------------------------

def test_queue_oldest_first_with_counts_filters_and_age(client, mod):
    ko_section = factories.category(name="Local")
    old = factories.submission(title="Oldest story in the queue")
    factories.submission(title="Newer Korean story", language="ko", category=ko_section)
    factories.submission(status=Status.DRAFT, title="A private draft")
    client.force_login(mod)

    response = client.get("/moderation/")
    html = response.content.decode()
    assert html.index("Oldest story in the queue") < html.index("Newer Korean story")
    assert "A private draft" not in html
    assert response.context["counts"]["submitted"] == 2 and response.context["counts"]["queue"] == 2
    assert f'datetime="{old.submitted_at:%Y-%m-%d}' in html

    html = client.get("/moderation/", {"language": "ko"}).content.decode()
    assert "Newer Korean story" in html and "Oldest story" not in html
    html = client.get("/moderation/", {"category": ko_section.pk}).content.decode()
    assert "Newer Korean story" in html and "Oldest story" not in html
    html = client.get("/moderation/", {"status": "approved"}).content.decode()
    assert "Nothing here" in html


def test_review_claim_request_changes_and_approve(client, mod, django_capture_on_commit_callbacks):
    submission = factories.submission(title="Library story for review")
    client.force_login(mod)
    page = client.get(f"/moderation/{submission.pk}/").content.decode()
    assert "Claim for review" in page and "As it will be published" in page
    assert "https://example.org/minutes/" in page

    assert client.post(f"/moderation/{submission.pk}/", {"action": "claim"}).status_code == 302
    page = client.get(f"/moderation/{submission.pk}/").content.decode()
    assert 'value="approve"' in page and 'value="request_changes"' in page and 'value="reject"' in page

    response = client.post(f"/moderation/{submission.pk}/", {"action": "request_changes", "reason": ""})
    assert response.status_code == 400 and "Give a reason" in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/moderation/{submission.pk}/", {"action": "request_changes", "reason": "Name the source."})
    submission.refresh_from_db()
    assert submission.status == Status.CHANGES_REQUESTED
    assert f"http://testserver/my/submissions/{submission.pk}/" in mail.outbox[-1].body

    submission.title = "Library story, revised"
    submission.body += "\n\nSource: the <b>council</b> minutes."
    submission.save()
    moderation.resubmit(submission, by=submission.contributor)
    client.post(f"/moderation/{submission.pk}/", {"action": "claim"})
    page = client.get(f"/moderation/{submission.pk}/").content.decode()
    assert "Changes from revision 1 to 2" in page
    assert "<ins>Library story, revised</ins>" in page or "<ins>revised</ins>" in page
    assert "&lt;b&gt;council&lt;/b&gt;" in page  # the diff shows the contributor's text, escaped

    client.post(f"/moderation/{submission.pk}/", {"action": "approve", "reason": ""})
    submission.refresh_from_db()
    assert submission.status == Status.APPROVED
    assert Article.objects.get(submission=submission).status == Article.Status.DRAFT


def test_review_page_says_who_holds_a_claim(client, mod):
    other = factories.moderator(username="colleague")
    submission = factories.submission(status=Status.IN_REVIEW, by=other)
    client.force_login(mod)
    page = client.get(f"/moderation/{submission.pk}/").content.decode()
    assert "Claimed by colleague" in page and 'value="approve"' not in page

    response = client.post(f"/moderation/{submission.pk}/", {"action": "approve"}, follow=True)
    assert "Claim this submission before acting on it." in response.content.decode()


def test_release_from_the_review_page(client, mod):
    submission = factories.submission(status=Status.IN_REVIEW, by=mod)
    client.force_login(mod)
    response = client.post(f"/moderation/{submission.pk}/", {"action": "release"})
    assert response.status_code == 302 and response["Location"] == "/moderation/"
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED


def test_review_page_shows_contributor_history_and_timeline(client, writer, mod):
    factories.submission(contributor=writer, status=Status.REJECTED, by=mod, title="An earlier rejected story")
    factories.submission(contributor=writer, status=Status.APPROVED, by=mod, title="An earlier approved story")
    current = factories.submission(contributor=writer, title="The current story")
    client.force_login(mod)

    response = client.get(f"/moderation/{current.pk}/")

    html = response.content.decode()
    history = response.context["history"]
    assert history.total == 2 and history.strikes == 0
    assert "An earlier rejected story" in html and "An earlier approved story" in html
    assert "Upheld takedowns" in html
    assert "Sent for review" in html and "writer" in html


def test_appeal_is_hidden_from_the_moderator_who_rejected(client, mod):
    submission = factories.submission(status=Status.APPEALED, by=mod)
    client.force_login(mod)
    page = client.get(f"/moderation/{submission.pk}/").content.decode()
    assert "a different moderator must review the appeal" in page and 'value="claim"' not in page
    assert "Please look again." in page


def test_the_queue_expires_lapsed_claims(client, mod, settings):
    from datetime import timedelta

    from django.utils import timezone

    submission = factories.submission()
    moderation.claim(submission, by=factories.moderator(), now=timezone.now() - timedelta(hours=1))
    client.force_login(mod)
    client.get("/moderation/")
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED


def test_queue_query_count_does_not_grow_with_rows(client, mod, django_assert_max_num_queries):
    for n in range(3):
        factories.submission()
    factories.flag()
    client.force_login(mod)
    client.get("/moderation/")  # warm the session
    with django_assert_max_num_queries(12):
        small = client.get("/moderation/")
    for n in range(12):
        factories.submission(status=Status.IN_REVIEW if n % 2 else Status.SUBMITTED)
        factories.flag()
    with django_assert_max_num_queries(12):
        large = client.get("/moderation/")
    assert len(large.context["page_obj"].object_list) == 15 and len(large.context["flags"]) == 13
    assert small.status_code == large.status_code == 200


def test_dashboard_query_count_does_not_grow_with_rows(client, writer, mod, django_assert_max_num_queries):
    factories.submission(contributor=writer)
    client.force_login(writer)
    client.get("/my/submissions/")
    with django_assert_max_num_queries(8):
        client.get("/my/submissions/")
    for n in range(10):
        factories.submission(contributor=writer, status=Status.CHANGES_REQUESTED, by=mod)
    with django_assert_max_num_queries(8):
        response = client.get("/my/submissions/")
    assert len(response.context["submissions"]) == 11


def test_dashboard_query_count_does_not_grow_with_published_stories(client, writer, mod,
                                                                   django_assert_max_num_queries):
    from articles import publishing

    factories.submission(contributor=writer)
    client.force_login(writer)
    for n in range(5):
        publishing.publish(factories.submission(contributor=writer, status=Status.APPROVED, by=mod).article)
    with django_assert_max_num_queries(8):
        html = client.get("/my/submissions/").content.decode()
    assert html.count(">Published</span>") == 5


# --- Reader flags ---------------------------------------------------------------

def test_article_page_links_to_the_report_form(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'href="/flag/{article.slug}/"' in html and "Report a problem with this story" in html


def test_reader_flags_an_article_and_a_moderator_resolves_it(client, article, mod):
    page = client.get(f"/flag/{article.slug}/")
    assert page.status_code == 200 and "Broken link" in page.content.decode()

    response = client.post(f"/flag/{article.slug}/", {"reason": "broken_link", "note": "The second link 404s."})

    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    flag = Flag.objects.get()
    assert (flag.article, flag.reason, flag.reporter) == (article, "broken_link", None)

    client.force_login(mod)
    html = client.get("/moderation/").content.decode()
    assert "The second link 404s." in html and article.title in html
    client.post(f"/moderation/flags/{flag.pk}/resolve/", {"resolution": "Link replaced."})
    flag.refresh_from_db()
    assert flag.resolved_by == mod and flag.resolution == "Link replaced."
    assert "The second link 404s." not in client.get("/moderation/").content.decode()


def test_flags_need_a_reason_and_are_rate_limited(client, article, settings):
    assert client.post(f"/flag/{article.slug}/", {"note": "?"}).status_code == 400
    settings.FLAG_RATE_LIMITS = {"account": (1, 60), "ip": (1, 60)}
    assert client.post(f"/flag/{article.slug}/", {"reason": "spam"}).status_code == 302
    assert client.post(f"/flag/{article.slug}/", {"reason": "spam"}).status_code == 429
    assert Flag.objects.count() == 1


def test_only_published_articles_can_be_flagged(client):
    draft = factories.article(status=Article.Status.DRAFT)
    assert client.get(f"/flag/{draft.slug}/").status_code == 404


def test_resolving_flags_is_for_moderators(client, writer):
    flag = factories.flag()
    client.force_login(writer)
    assert client.post(f"/moderation/flags/{flag.pk}/resolve/").status_code == 403


# --- Admin ----------------------------------------------------------------------

def test_the_log_cannot_be_edited_in_the_admin_even_by_superusers(client, mod):
    from django.contrib import admin

    submission = factories.submission(status=Status.IN_REVIEW, by=mod)
    superuser = factories.user(username="root", is_staff=True, is_superuser=True)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    event_admin = admin.site._registry[ModerationEvent]
    assert not event_admin.has_add_permission(request)
    assert not event_admin.has_change_permission(request, submission.events.first())
    assert not event_admin.has_delete_permission(request, submission.events.first())
    assert not admin.site._registry[Submission].has_delete_permission(request, submission)

    client.force_login(superuser)
    event = submission.events.first()
    assert client.get(f"/admin/submissions/moderationevent/{event.pk}/change/").status_code == 200  # view only
    response = client.post(f"/admin/submissions/moderationevent/{event.pk}/change/", {"reason": "rewritten"})
    assert response.status_code == 403
    assert client.get(f"/admin/submissions/moderationevent/{event.pk}/delete/").status_code == 403
    page = client.get(f"/admin/submissions/submission/{submission.pk}/change/")
    assert page.status_code == 200 and 'name="status"' not in page.content.decode()
    assert client.get("/admin/submissions/submission/?status__exact=in_review&q=library").status_code == 200
    assert client.get("/admin/submissions/flag/").status_code == 200


def test_signup_is_rate_limited_per_ip(client, settings):
    settings.SIGNUP_RATE_LIMITS = {"email": (5, 3600), "ip": (1, 3600)}
    data = {"username": "first", "email": "first@example.com", "display_name": "First",
            "password1": "a-long-and-unusual-passphrase", "password2": "a-long-and-unusual-passphrase"}
    assert client.post("/accounts/signup/", data).status_code == 302
    response = client.post("/accounts/signup/", {**data, "username": "second", "email": "second@example.com"})
    assert "too many times in a short while" in response.content.decode()
    from django.contrib.auth import get_user_model

    assert list(get_user_model().objects.values_list("username", flat=True)) == ["first"]


def test_anonymous_user_helper_is_not_a_moderator():
    assert not moderation.is_moderator(AnonymousUser())
