import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.models import Article
from submissions.forms import FlagForm, SubmissionForm
from submissions.models import Status
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(db):
    return factories.user(username="writer")


def valid_data(section, **overrides):
    data = {
        "title": "Riverside library stays open on weekends",
        "summary": "The council voted seven to two after a summer of petitions.",
        "body": factories.STORY_BODY,
        "category": str(section.pk),
        "tags": "library, council",
        "language": "en",
        "sources": "https://example.org/minutes",
        "accept_guidelines": "on",
        "confirm_rights": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def form_for(data, user=None, files=None, **kwargs):
    return SubmissionForm(data, files or {}, user=user, **kwargs)


def test_a_complete_story_is_valid(writer, category):
    form = form_for(valid_data(category), user=writer)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["tags"] == ["library", "council"]
    assert form.cleaned_data["sources"] == ["https://example.org/minutes"]


@pytest.mark.parametrize("field, value, message", [
    ("accept_guidelines", None, "You must accept the Submission Rules and Guidelines"),
    ("confirm_rights", None, "Confirm that the work is yours"),
    ("sources", "", "Add at least one source link"),
    ("sources", "not a link\nhttps://ok.example", "“not a link” is not a web address"),
    ("sources", "javascript:alert(1)", "is not a web address"),
    ("body", "Too short.", "The story is too short"),
    ("title", "", "This field is required"),
    ("title", "x" * 201, "at most 200 characters"),
    ("summary", "", "Write a short summary"),
    ("summary", "s" * 501, "at most 500 characters"),
    ("category", "", "Choose the section"),
    ("tags", "a, b, c, d, e, f, g, h, i", "Use at most 8 tags"),
    ("tags", "t" * 61, "at most 60 characters"),
])
def test_each_problem_gets_a_clear_message(writer, category, field, value, message):
    form = form_for(valid_data(category, **{field: value}), user=writer)
    assert not form.is_valid()
    assert message in str(form.errors[field])


def test_no_sources_checkbox_replaces_the_source_link(writer, category):
    form = form_for(valid_data(category, sources="", no_sources="on"), user=writer)
    assert form.is_valid(), form.errors


def test_body_length_limit_is_a_setting(writer, category, settings):
    settings.SUBMISSION_BODY_MAX_LENGTH = 300
    form = form_for(valid_data(category, body="word " * 100), user=writer)
    assert not form.is_valid()
    assert "at most 300 characters" in str(form.errors["body"])


def test_a_draft_needs_only_a_title(writer):
    form = form_for({"title": "Working title", "language": "en"}, user=writer, action="draft")
    assert form.is_valid(), form.errors


def test_honeypot_stops_bots(writer, category):
    form = form_for(valid_data(category, website="http://spam.example"), user=writer)
    assert not form.is_valid()
    assert "looks automated" in str(form.non_field_errors())


def test_guests_give_a_name_and_email_and_cannot_save_drafts(category):
    form = form_for(valid_data(category))
    assert not form.is_valid()
    assert "Tell us your name" in str(form.errors["guest_name"])
    assert "email address" in str(form.errors["guest_email"])

    draft = form_for(valid_data(category, guest_name="G", guest_email="g@example.com"), action="draft")
    assert not draft.is_valid()
    assert "Log in or create an account to save drafts" in str(draft.non_field_errors())


def png_bytes(**info):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, "JPEG", **info)
    return buffer.getvalue()


def test_an_image_is_checked_by_content_and_re_encoded_without_metadata(writer, category):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    upload = SimpleUploadedFile("photo.jpg", png_bytes(exif=exif.tobytes()), content_type="image/jpeg")

    form = form_for(valid_data(category), user=writer, files={"image": upload})

    assert form.is_valid(), form.errors
    cleaned = form.cleaned_data["image"]
    assert cleaned.extension == "jpg" and (cleaned.width, cleaned.height) == (40, 30)
    with Image.open(io.BytesIO(cleaned.content)) as reopened:
        assert not reopened.getexif()


@pytest.mark.parametrize("content, name", [
    (b"<?php system($_GET['c']); ?>", "shell.png"),
    (b"GIF89a" + b"\x00" * 10, "broken.gif"),
    (b"%PDF-1.4 not an image", "doc.jpg"),
])
def test_files_that_are_not_images_are_refused(writer, category, content, name):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    form = form_for(valid_data(category), user=writer, files={"image": upload})
    assert not form.is_valid()
    assert "not an image we can read" in str(form.errors["image"])


def test_too_large_and_too_many_pixels_are_refused(writer, category, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024), content_type="image/png")
    form = form_for(valid_data(category), user=writer, files={"image": big})
    assert not form.is_valid() and "too large" in str(form.errors["image"])

    settings.IMAGE_UPLOAD_MAX_PIXELS = 100
    form = form_for(valid_data(category), user=writer, files={"image": factories.image_upload(width=20, height=20)})
    assert not form.is_valid() and "too many pixels" in str(form.errors["image"])


def test_waiting_cap(writer, category, settings):
    settings.SUBMISSION_MAX_WAITING = 2
    factories.submission(contributor=writer)
    factories.submission(contributor=writer, status=Status.IN_REVIEW)
    factories.submission(contributor=writer, status=Status.CHANGES_REQUESTED)  # waiting on the writer, not on us

    form = form_for(valid_data(category), user=writer)

    assert not form.is_valid()
    assert "You already have 2 stories waiting for review (the limit is 2)" in str(form.non_field_errors())


def test_waiting_cap_does_not_count_the_story_being_resubmitted(writer, category, settings):
    settings.SUBMISSION_MAX_WAITING = 1
    pending = factories.submission(contributor=writer, status=Status.CHANGES_REQUESTED)
    form = form_for(valid_data(category, sources="https://example.org/other"), user=writer, submission=pending)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("source", [
    "https://example.org/minutes/7", "http://www.example.org/minutes/7/", "https://EXAMPLE.org/minutes/7?utm_source=x",
    "https://example.org/minutes/7#section",
])
def test_same_source_url_is_a_duplicate(writer, category, source):
    factories.submission(sources=["https://example.org/minutes/7"])
    form = form_for(valid_data(category, sources=source, title="A completely different headline"), user=writer)
    assert not form.is_valid()
    assert "already been submitted" in str(form.non_field_errors())


def test_near_identical_title_of_a_published_article_is_a_duplicate(writer, category):
    factories.article(title="Riverside library stays open on weekends!")
    form = form_for(valid_data(category, title="Riverside Library stays open on weekend"), user=writer)
    assert not form.is_valid()
    assert "already been published: “Riverside library stays open on weekends!”" in str(form.non_field_errors())


def test_near_identical_title_of_another_submission_is_a_duplicate(writer, category):
    factories.submission(title="Riverside library stays open on weekends", sources=["https://other.example/a"])
    form = form_for(valid_data(category, title="riverside  library stays open on the weekends"), user=writer)
    assert not form.is_valid()
    assert "nearly identical title has already been submitted" in str(form.non_field_errors())


def test_different_stories_and_drafts_are_not_duplicates(writer, category):
    factories.article(title="Harbour bridge reopens after repairs")
    factories.submission(status=Status.DRAFT, title="Riverside library stays open on weekends",
                         sources=["https://example.org/minutes"])
    factories.article(title="Old story", status=Article.Status.DRAFT)
    form = form_for(valid_data(category), user=writer)
    assert form.is_valid(), form.errors


def test_flag_form_needs_a_reason():
    form = FlagForm({"note": "hmm"})
    assert not form.is_valid()
    assert "Choose what is wrong" in str(form.errors["reason"])
    assert FlagForm({"reason": "broken_link"}).is_valid()
