"""Editors publish through the admin: list, actions, the change form's publishing steps, slugs, covers, disclaimers."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from articles import publishing
from articles.models import Article, ArticleEvent, Disclaimer, SlugRedirect
from tests import factories

pytestmark = pytest.mark.django_db
Status = Article.Status
CHANGELIST = reverse("admin:articles_article_changelist")


@pytest.fixture(autouse=True)
def _english():
    # Requests to /ko/ leave Korean active in this thread; get_absolute_url() must not depend on test order.
    with translation.override("en"):
        yield


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


@pytest.fixture
def editor(db):
    return factories.editor(username="eddie")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


form_data = factories.admin_article_form


def at(when):
    local = timezone.localtime(when)
    return {"publish_at_0": local.strftime("%Y-%m-%d"), "publish_at_1": local.strftime("%H:%M:%S")}


# --- permissions ----------------------------------------------------------------------------------


def test_migration_gives_editors_the_articles_permissions(db):
    groups = factories.staff_groups()
    assert set(groups) == {"Moderators", "Copyright staff", "Editors"}
    perms = set(groups["Editors"].permissions.values_list("codename", flat=True))
    for model in ("article", "tag", "category", "disclaimer", "page", "authorprofile"):
        assert {f"add_{model}", f"change_{model}", f"view_{model}"} <= perms
    assert "view_newslettersubscriber" in perms and "change_newslettersubscriber" not in perms
    assert not {p for p in perms if p.startswith("delete_")}  # nothing is deleted by a workflow


def test_staff_groups_are_idempotent(db):
    factories.staff_groups()
    before = Group.objects.get(name="Editors").permissions.count()
    factories.staff_groups()
    assert Group.objects.filter(name="Editors").count() == 1
    assert Group.objects.get(name="Editors").permissions.count() == before


def test_editor_sees_the_article_list_and_cannot_delete(editor_client, article):
    response = editor_client.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert article.title in html and "Publish selected articles now" in html
    assert "delete_selected" not in html
    assert editor_client.get(reverse("admin:articles_article_delete", args=[article.pk])).status_code == 403


def test_changelist_filters_and_search(editor_client, category, author):
    factories.article(title="Harbour news", category=category, author=author)
    factories.article(title="서울 소식", language="ko", category=category, author=author)
    factories.article(title="Unseen draft", status=Status.DRAFT, category=category, author=author)

    korean = editor_client.get(CHANGELIST, {"language__exact": "ko"}).context["cl"].result_list
    drafts = editor_client.get(CHANGELIST, {"status__exact": "draft"}).context["cl"].result_list
    found = editor_client.get(CHANGELIST, {"q": "harbour"}).context["cl"].result_list

    assert [a.title for a in korean] == ["서울 소식"]
    assert [a.title for a in drafts] == ["Unseen draft"]
    assert [a.title for a in found] == ["Harbour news"]


def test_changelist_filters_by_publication_date(editor_client, category, author):
    factories.article(title="This week's story", category=category, author=author,
                      published_at=timezone.now() - timedelta(days=2))
    factories.article(title="Last month's story", category=category, author=author,
                      published_at=timezone.now() - timedelta(days=40))
    page = editor_client.get(CHANGELIST)
    choices = {choice["display"]: choice["query_string"] for spec in page.context["cl"].filter_specs
               for choice in spec.choices(page.context["cl"])}

    recent = editor_client.get(CHANGELIST + choices["Past 7 days"]).context["cl"].result_list

    assert [a.title for a in recent] == ["This week's story"]


def test_changelist_query_count_does_not_grow_with_rows(editor_client, django_assert_max_num_queries):
    categories = [factories.category() for _ in range(3)]
    authors = [factories.user() for _ in range(3)]
    for i in range(5):
        factories.article(category=categories[i % 3], author=authors[i % 3], tags=["a", "b"])
    editor_client.get(CHANGELIST)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as five:
        assert editor_client.get(CHANGELIST).status_code == 200

    for i in range(25):
        factories.article(category=categories[i % 3], author=authors[i % 3], tags=["a", "b"])
    with django_assert_max_num_queries(len(five.captured_queries)):
        response = editor_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 30


# --- list actions -----------------------------------------------------------------------------------


def run_action(client, action, articles, **extra):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [a.pk for a in articles], "index": 0, **extra})


def test_publish_action_goes_through_publishing_and_reports_refusals(editor_client, editor, category, author):
    draft = factories.article(status=Status.DRAFT, category=category, author=author)
    withdrawn = factories.article(status=Status.WITHDRAWN, category=category, author=author)

    response = run_action(editor_client, "publish_now", [draft, withdrawn])

    assert response.status_code == 302
    draft.refresh_from_db()
    withdrawn.refresh_from_db()
    assert draft.status == Status.PUBLISHED and withdrawn.status == Status.WITHDRAWN
    assert ArticleEvent.objects.filter(article=draft, to_status=Status.PUBLISHED, actor=editor).exists()
    messages = [str(m) for m in editor_client.get(CHANGELIST).context["messages"]]
    assert any("1 article published" in m for m in messages)
    assert any("Withdrawn" in m and "not possible" in m for m in messages)


def test_schedule_action_asks_for_a_time_then_schedules(editor_client, editor, category, author):
    drafts = [factories.article(status=Status.DRAFT, category=category, author=author) for _ in range(2)]

    page = run_action(editor_client, "schedule", drafts)
    assert page.status_code == 200
    assert 'type="datetime-local"' in page.content.decode()
    assert all(a.status == Status.DRAFT for a in Article.objects.filter(pk__in=[d.pk for d in drafts]))

    past = editor_client.post(CHANGELIST, {"action": "schedule", "_selected_action": [d.pk for d in drafts],
                                           "apply": "1", "publish_at": "2000-01-01T10:00"})
    assert past.status_code == 200 and "in the future" in past.content.decode()

    when = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    done = editor_client.post(CHANGELIST, {"action": "schedule", "_selected_action": [d.pk for d in drafts],
                                           "apply": "1", "publish_at": when.strftime("%Y-%m-%dT%H:%M")})
    assert done.status_code == 302
    for article in Article.objects.filter(pk__in=[d.pk for d in drafts]):
        assert article.status == Status.SCHEDULED and article.publish_at == when


def test_withdraw_action_needs_a_reason(editor_client, editor, article):
    page = run_action(editor_client, "withdraw", [article])
    assert page.status_code == 200 and "cannot be undone" in page.content.decode()

    empty = editor_client.post(CHANGELIST, {"action": "withdraw", "_selected_action": [article.pk], "apply": "1",
                                            "reason": ""})
    assert empty.status_code == 200
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED

    editor_client.post(CHANGELIST, {"action": "withdraw", "_selected_action": [article.pk], "apply": "1",
                                    "reason": "Author asked us to"})
    article.refresh_from_db()
    assert article.status == Status.WITHDRAWN
    assert ArticleEvent.objects.get(article=article, to_status=Status.WITHDRAWN).reason == "Author asked us to"


def test_unschedule_and_feature_actions(editor_client, category, author):
    scheduled = publishing.schedule(factories.article(status=Status.DRAFT, category=category, author=author),
                                    at=timezone.now() + timedelta(hours=2))
    published = factories.article(category=category, author=author)

    run_action(editor_client, "unschedule", [scheduled])
    run_action(editor_client, "mark_featured", [published])

    scheduled.refresh_from_db()
    published.refresh_from_db()
    assert scheduled.status == Status.DRAFT and scheduled.publish_at is None
    assert published.featured
    run_action(editor_client, "unmark_featured", [published])
    published.refresh_from_db()
    assert not published.featured


# --- the change form ---------------------------------------------------------------------------


def test_change_form_offers_the_steps_for_the_status_and_a_share_link(editor_client, category, author):
    draft = factories.article(status=Status.DRAFT, category=category, author=author)

    html = editor_client.get(change_url(draft)).content.decode()

    assert 'name="_publish"' in html and 'name="_schedule"' in html and 'name="_withdraw"' not in html
    assert f'href="/preview/{draft.pk}/"' in html
    assert 'id="share-preview-url"' in html and "http://testserver/preview/" in html
    assert "js/admin_article.js" in html
    assert "<script>" not in html.replace('<script src=', '')  # no inline script (CSP)


def test_publish_button_saves_edits_then_publishes(editor_client, editor, category, author,
                                                    django_capture_on_commit_callbacks):
    draft = factories.article(title="승인된 기사", language="ko", status=Status.DRAFT, category=category, author=author)

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(change_url(draft), form_data(draft, summary="새 요약", _publish="1"))

    assert response.status_code == 302 and response["Location"] == change_url(draft)
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED and draft.summary == "새 요약"
    assert draft.cover_hash  # drawn on publish
    assert list(ArticleEvent.objects.filter(article=draft).values_list("to_status", "actor")) == [
        (Status.PUBLISHED, editor.pk)
    ]


def test_schedule_button_needs_a_future_time(editor_client, category, author):
    draft = factories.article(status=Status.DRAFT, category=category, author=author)

    missing = editor_client.post(change_url(draft), form_data(draft, _schedule="1"))
    past = editor_client.post(change_url(draft), form_data(draft, _schedule="1", **at(timezone.now() - timedelta(hours=1))))
    assert missing.status_code == 200 and "Choose when to publish" in missing.content.decode()
    assert past.status_code == 200 and "in the future" in past.content.decode()

    when = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    editor_client.post(change_url(draft), form_data(draft, _schedule="1", **at(when)))

    draft.refresh_from_db()
    assert draft.status == Status.SCHEDULED and draft.publish_at == when
    assert publishing.publish_due(now=when - timedelta(minutes=1)) == 0
    assert publishing.publish_due(now=when + timedelta(minutes=1)) == 1
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED


def test_withdraw_button_needs_a_reason_and_a_published_article(editor_client, category, author, article):
    draft = factories.article(status=Status.DRAFT, category=category, author=author)

    no_reason = editor_client.post(change_url(article), form_data(article, _withdraw="1"))
    wrong_status = editor_client.post(change_url(draft), form_data(draft, _withdraw="1", workflow_reason="x"))

    assert no_reason.status_code == 200 and "Say why" in no_reason.content.decode()
    assert wrong_status.status_code == 200 and "not possible now" in wrong_status.content.decode()
    editor_client.post(change_url(article), form_data(article, _withdraw="1", workflow_reason="Duplicate story"))
    article.refresh_from_db()
    assert article.status == Status.WITHDRAWN


def test_plain_save_never_changes_the_status(editor_client, article):
    # Someone withdrew the article while the editor had the form open: saving keeps it withdrawn.
    data = form_data(article, title="Fixed a typo")
    publishing.withdraw(article, by=None, reason="legal advice")

    editor_client.post(change_url(article), data)

    article.refresh_from_db()
    assert article.status == Status.WITHDRAWN and article.title == "Fixed a typo"


def test_adding_an_article_in_the_admin_makes_a_draft_with_default_disclaimers(editor_client, editor, category):
    page = editor_client.get(reverse("admin:articles_article_add"))
    initial = page.context["adminform"].form.initial
    defaults = set(Disclaimer.objects.filter(is_default=True).values_list("pk", flat=True))
    assert set(initial["disclaimers"]) == defaults and initial["author"] == editor.pk

    response = editor_client.post(reverse("admin:articles_article_add"), {
        "title": "Editor's own story", "slug": "editors-own-story", "language": "en", "category": category.pk,
        "author": editor.pk, "summary": "Summary.", "body": "Body.", "disclaimers": list(defaults),
        "publish_at_0": "", "publish_at_1": "",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0", "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "0",
    })

    assert response.status_code == 302
    article = Article.objects.get(slug="editors-own-story")
    assert article.status == Status.DRAFT
    assert set(article.disclaimers.values_list("pk", flat=True)) == defaults


# --- slugs --------------------------------------------------------------------------------------


def test_changing_a_published_slug_keeps_the_old_address_with_a_301(editor_client, client, article):
    old_url = article.get_absolute_url()

    editor_client.post(change_url(article), form_data(article, slug="harbour-bridge-open-again"))

    article.refresh_from_db()
    assert article.slug == "harbour-bridge-open-again"
    assert SlugRedirect.objects.get(old_slug="harbour-bridge-reopens-after-repairs").article == article
    response = client.get(old_url + "?utm_source=feed")
    assert response.status_code == 301
    assert response["Location"] == "/articles/harbour-bridge-open-again/?utm_source=feed"
    korean = client.get("/ko" + old_url)
    assert korean.status_code == 301 and korean["Location"] == "/ko/articles/harbour-bridge-open-again/"
    assert client.get(article.get_absolute_url()).status_code == 200


def test_renaming_twice_and_back_keeps_every_address_working(client, article):
    first = article.slug
    for slug in ("second-name", "third-name", first):
        article.slug = slug
        publishing.update_content(article)

    assert set(SlugRedirect.objects.values_list("old_slug", flat=True)) == {"second-name", "third-name"}
    for slug in ("second-name", "third-name"):
        response = client.get(f"/articles/{slug}/")
        assert response.status_code == 301 and response["Location"] == f"/articles/{first}/"
    assert client.get(f"/articles/{first}/").status_code == 200


def test_drafts_change_slugs_freely(editor_client, category, author):
    draft = factories.article(title="Draft", status=Status.DRAFT, category=category, author=author)

    editor_client.post(change_url(draft), form_data(draft, slug="better-draft-slug"))

    draft.refresh_from_db()
    assert draft.slug == "better-draft-slug"
    assert not SlugRedirect.objects.exists()


def test_a_former_address_of_another_article_cannot_be_taken(editor_client, category, author, article):
    old_slug = article.slug
    article.slug = "moved-away"
    publishing.update_content(article)
    other = factories.article(title="Other", status=Status.DRAFT, category=category, author=author)

    response = editor_client.post(change_url(other), form_data(other, slug=old_slug))

    assert response.status_code == 200
    assert "belongs to another article" in response.content.decode()
    other.refresh_from_db()
    assert other.slug != old_slug


# --- covers -------------------------------------------------------------------------------------


def test_title_change_in_the_admin_redraws_the_cover_and_drops_old_files(editor_client, article, settings,
                                                                         django_capture_on_commit_callbacks):
    from articles import cover_files

    cover_files.generate(article)
    old_hash = article.cover_hash
    folder = settings.MEDIA_ROOT / "covers" / str(article.pk)

    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(change_url(article), form_data(article, title="Harbour bridge opens early"))

    article.refresh_from_db()
    assert article.cover_hash and article.cover_hash != old_hash
    names = {p.name for p in folder.iterdir()}
    assert len(names) == 6 and all(name.startswith(article.cover_hash) for name in names)


def test_summary_change_does_not_redraw_the_cover(editor_client, article, monkeypatch):
    from articles import cover_files

    cover_files.generate(article)
    queued = []
    monkeypatch.setattr(publishing, "_queue_cover", lambda article, **kwargs: queued.append(article.pk))

    editor_client.post(change_url(article), form_data(article, summary="Only the summary changed."))
    assert queued == []
    editor_client.post(change_url(article), form_data(article, language="ko"))
    assert queued == [article.pk]


def test_category_colour_change_redraws_its_articles_covers(client, django_capture_on_commit_callbacks, article,
                                                             category):
    from articles import cover_files

    admin_user = factories.user(username="boss", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    cover_files.generate(article)
    old_hash = article.cover_hash

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:articles_category_change", args=[category.pk]), {
            "name": category.name, "name_ko": "", "slug": category.slug, "description": "",
            "color": "#b5542b", "position": 0,
        })

    article.refresh_from_db()
    assert article.cover_hash != old_hash


def test_uploaded_cover_replaces_the_art_and_changes_the_caption(editor_client, client, article, settings,
                                                                 django_capture_on_commit_callbacks):
    from articles import cover_files

    cover_files.generate(article)
    data = form_data(article, cover_credit="Photo: Wendy Writer")
    data["cover_upload"] = factories.image_upload(width=1600, height=1000)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(change_url(article), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.cover_source == Article.CoverSource.UPLOADED and article.cover_original
    folder = settings.MEDIA_ROOT / "covers" / str(article.pk)
    assert {p.name for p in folder.iterdir()} == {
        f"{article.cover_hash}-{size}.{ext}" for size in ("og", "card", "thumb") for ext in ("jpg", "webp")
    } | {f"{article.cover_hash}-original.jpg"}  # re-encoded: no alpha, so JPEG

    html = client.get(article.get_absolute_url()).content.decode()
    caption = html.split('class="cover-caption"')[1].split("</figcaption>")[0]
    assert "Uploaded image supplied by the author or the editors" in caption and "Photo: Wendy Writer" in caption
    assert "computer-generated art for illustration" not in caption.lower()
    assert f"{article.cover_hash}-og.jpg" in html and "Cover image for" in html
    # Nothing else on the page claims the photo is generated art.
    disclaimers = html.split('class="disclaimers"')[1].split("</aside>")[0]
    assert "computer-generated" not in disclaimers and "submitted by a member of our community" in disclaimers
    assert "Unless their caption says otherwise" in html

    # Publishing or editing the title again never draws over an uploaded cover.
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(change_url(article), form_data(article, title="New title, same photo"))
    article.refresh_from_db()
    assert article.cover_source == Article.CoverSource.UPLOADED


def test_invalid_or_small_uploads_are_refused_with_a_message(editor_client, article):
    not_an_image = form_data(article)
    from django.core.files.uploadedfile import SimpleUploadedFile

    not_an_image["cover_upload"] = SimpleUploadedFile("cover.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    small = form_data(article)
    small["cover_upload"] = factories.image_upload(width=300, height=200)

    for data, message in ((not_an_image, "not an image we can read"), (small, "a cover needs at least")):
        response = editor_client.post(change_url(article), data)
        assert response.status_code == 200 and message in response.content.decode()
    article.refresh_from_db()
    assert article.cover_source == Article.CoverSource.GENERATED


def test_regenerate_button_goes_back_to_generated_art(editor_client, article, django_capture_on_commit_callbacks):
    from articles import cover_files

    publishing.replace_cover(article, image=cover_files.clean_upload(factories.image_upload()))
    page = editor_client.get(change_url(article)).content.decode()
    assert "Replace the uploaded cover with generated art" in page

    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(change_url(article), form_data(article, _regenerate_cover="1"))

    article.refresh_from_db()
    assert article.cover_source == Article.CoverSource.GENERATED and not article.cover_original
    assert article.cover_hash == cover_files.covers.fingerprint(**cover_files.cover_inputs(article))


# --- disclaimers --------------------------------------------------------------------------------


def test_editor_removes_and_adds_disclaimers_per_article(editor_client, client, article):
    opinion = Disclaimer.objects.get(kind=Disclaimer.Kind.OPINION)
    extra = Disclaimer.objects.create(kind=Disclaimer.Kind.OPINION, name="Satire", is_default=False, position=5,
                                      text_en="This story is **satire**.", text_ko="이 글은 **풍자**입니다.")
    keep = [d.pk for d in article.disclaimers.exclude(pk=opinion.pk)] + [extra.pk]

    editor_client.post(change_url(article), form_data(article, disclaimers=keep))

    html = client.get(article.get_absolute_url()).content.decode()
    assert "author&#x27;s own" not in html and "author's own" not in html
    assert "This story is <strong>satire</strong>." in html
    korean = client.get("/ko" + article.get_absolute_url()).content.decode()
    assert "이 글은 <strong>풍자</strong>입니다." in korean and "This story is" not in korean


def test_disclaimers_follow_their_position_in_each_language(client, article):
    for language, expected in (("", ["opinion", "submitted", "copyright"]), ("/ko", ["opinion", "submitted", "copyright"])):
        html = client.get(language + article.get_absolute_url()).content.decode()
        footer = html.split('class="disclaimers"')[1]
        positions = [footer.index(f"disclaimer--{kind}") for kind in expected]
        assert positions == sorted(positions)
    Disclaimer.objects.filter(kind="copyright").update(position=1)
    html = client.get(article.get_absolute_url()).content.decode().split('class="disclaimers"')[1]
    assert html.index("disclaimer--copyright") < html.index("disclaimer--opinion")


def test_copyright_disclaimer_links_the_email_and_the_form_in_both_languages(client, article, settings):
    settings.COPYRIGHT_EMAIL = "rights@example.org"
    english = client.get(article.get_absolute_url()).content.decode()
    korean = client.get("/ko" + article.get_absolute_url()).content.decode()

    assert 'href="mailto:rights@example.org"' in english and 'href="/copyright/report/"' in english
    assert 'href="mailto:rights@example.org"' in korean and 'href="/ko/copyright/report/"' in korean
    assert "저작권 침해를 신고하시려면" in korean


def test_disclaimer_admin_edits_both_languages(client, article):
    admin_user = factories.user(username="boss", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    opinion = Disclaimer.objects.get(kind=Disclaimer.Kind.OPINION)

    client.post(reverse("admin:articles_disclaimer_change", args=[opinion.pk]), {
        "name": opinion.name, "kind": "opinion", "is_default": "on", "position": opinion.position,
        "text_en": "Views here are the writer's.", "text_ko": "필자의 견해입니다.",
    })

    assert "Views here are the writer" in client.get(article.get_absolute_url()).content.decode()
    assert "필자의 견해입니다." in client.get("/ko" + article.get_absolute_url()).content.decode()


def test_article_written_in_the_admin_has_no_source_submission(editor_client, article):
    response = editor_client.get(change_url(article))

    assert response.status_code == 200
    assert "/admin/submissions/submission/" not in response.content.decode()


def test_source_submission_is_one_click_away(editor_client):
    submission = factories.submission(status="approved")  # the submissions workflow makes the draft

    html = editor_client.get(change_url(submission.article)).content.decode()

    assert f'href="/admin/submissions/submission/{submission.pk}/change/"' in html


def test_rewording_the_submitted_disclaimer_keeps_staff_edits():
    import importlib

    from django.apps import apps

    reword = importlib.import_module("articles.migrations.0007_submitted_disclaimer_without_cover_claim")
    default = Disclaimer.objects.get(kind="submitted")
    default.text_en, default.text_ko = reword.OLD_EN, reword.OLD_KO
    default.save()
    edited = Disclaimer.objects.create(kind="submitted", name="Edited", text_en="Our own words.", text_ko="우리 말.")

    reword.install(apps, None)

    default.refresh_from_db()
    edited.refresh_from_db()
    assert default.text_en == reword.NEW_EN and "computer-generated" not in default.html_en
    assert "컴퓨터" not in default.html_ko and "가이드라인" in default.html_ko
    assert (edited.text_en, edited.text_ko) == ("Our own words.", "우리 말.")


# --- the workflow's table decides every step ------------------------------------------------------


@pytest.fixture
def disabled_by_a_case(category, author):
    """A story disabled (451) by an upheld copyright case, as the takedown workflow leaves it."""
    story = factories.article(title="Disputed photo story", category=category, author=author)
    case = factories.takedown_case(status="upheld", articles=[story])
    story.refresh_from_db()
    assert story.status == Status.DISABLED
    return story, case


def test_an_editor_cannot_republish_a_story_disabled_by_a_copyright_case(editor_client, client, disabled_by_a_case):
    story, case = disabled_by_a_case

    run_action(editor_client, "publish_now", [story])
    editor_client.post(change_url(story), form_data(story, _publish="1"))

    story.refresh_from_db()
    case.refresh_from_db()
    assert story.status == Status.DISABLED and case.status == "upheld"
    assert client.get(story.get_absolute_url()).status_code == 451
    assert not ArticleEvent.objects.filter(article=story, to_status=Status.PUBLISHED, from_status=Status.DISABLED)
    page = editor_client.get(change_url(story)).content.decode()
    assert 'name="_publish"' not in page and 'name="_withdraw"' not in page


def test_the_publish_function_itself_refuses_a_disabled_story(disabled_by_a_case):
    story, _ = disabled_by_a_case

    with pytest.raises(publishing.IllegalTransition):
        publishing.publish(story)

    story.refresh_from_db()
    assert story.status == Status.DISABLED


@pytest.mark.parametrize("status", [s for s in Status if s != Status.DISABLED])
def test_the_change_form_offers_exactly_the_steps_the_workflow_allows(editor_client, category, author, status):
    if status == Status.SCHEDULED:
        story = factories.article(status=Status.DRAFT, category=category, author=author)
        publishing.schedule(story, at=timezone.now() + timedelta(days=1))
        story.refresh_from_db()
    else:
        story = factories.article(status=status, category=category, author=author)

    page = editor_client.get(change_url(story)).content.decode()

    offered = {step for step in publishing.EDITOR_STEPS if f'name="_{step}"' in page}
    assert offered == {step for step in publishing.EDITOR_STEPS if story.status in publishing.STEPS[step].sources}
    assert 'name="_disable"' not in page and 'name="_restore"' not in page


def test_every_editor_step_has_a_button_and_the_legal_steps_have_none():
    from articles.admin import STEP_BUTTONS

    assert set(STEP_BUTTONS) == set(publishing.EDITOR_STEPS)
    assert not {"disable", "restore"} & set(publishing.EDITOR_STEPS)


def test_redraw_draws_a_new_variation_of_the_generated_cover(editor_client, article, settings,
                                                             django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    from articles import cover_files

    with django_capture_on_commit_callbacks(execute=True):
        publishing.regenerate_cover(article)  # the first drawing
    article.refresh_from_db()
    first_hash = article.cover_hash
    first = default_storage.open(cover_files.path(article.pk, first_hash, "og", "jpeg")).read()

    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(change_url(article), form_data(article, _regenerate_cover="1"))

    article.refresh_from_db()
    assert article.cover_hash and article.cover_hash != first_hash
    second = default_storage.open(cover_files.path(article.pk, article.cover_hash, "og", "jpeg")).read()
    assert second != first
    assert not default_storage.exists(cover_files.path(article.pk, first_hash, "og", "jpeg"))  # old files dropped


def test_the_add_form_publishes_at_once(editor_client, editor, category, django_capture_on_commit_callbacks):
    page = editor_client.get(reverse("admin:articles_article_add")).content.decode()
    assert 'name="_publish"' in page and 'name="_schedule"' in page and 'name="_withdraw"' not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("admin:articles_article_add"), {
            **new_article_data(category, editor), "_publish": "1",
        })

    article = Article.objects.get(slug="editors-own-story")
    assert response.status_code == 302 and response["Location"] == change_url(article)
    assert article.status == Status.PUBLISHED and article.published_at
    assert list(ArticleEvent.objects.filter(article=article).values_list("to_status", "actor")) == [
        (Status.PUBLISHED, editor.pk)
    ]


def test_the_add_form_schedules_at_once_and_asks_for_a_time(editor_client, editor, category):
    refused = editor_client.post(reverse("admin:articles_article_add"), {
        **new_article_data(category, editor), "_schedule": "1",
    })
    assert refused.status_code == 200 and "Choose when to publish." in refused.content.decode()
    assert not Article.objects.filter(slug="editors-own-story").exists()

    when = timezone.now() + timedelta(days=1)
    editor_client.post(reverse("admin:articles_article_add"), {
        **new_article_data(category, editor), **at(when), "_schedule": "1",
    })

    article = Article.objects.get(slug="editors-own-story")
    assert article.status == Status.SCHEDULED and abs(article.publish_at - when) < timedelta(seconds=1)


def test_the_author_is_a_searchable_choice(editor_client, editor, category):
    writer = factories.user(username="mina", display_name="Mina Park", first_name="Mina")

    page = editor_client.get(reverse("admin:articles_article_add")).content.decode()
    found = editor_client.get(reverse("admin:autocomplete"), {
        "term": "min", "app_label": "articles", "model_name": "article", "field_name": "author",
    })

    assert 'class="admin-autocomplete' in page and 'name="author"' in page
    assert 'class="vForeignKeyRawIdAdminField"' not in page
    assert found.status_code == 200
    assert [item["id"] for item in found.json()["results"]] == [str(writer.pk)]


def new_article_data(category, author):
    return {
        "title": "Editor's own story", "slug": "editors-own-story", "language": "en", "category": category.pk,
        "author": author.pk, "summary": "Summary.", "body": "Body.",
        "disclaimers": list(Disclaimer.objects.filter(is_default=True).values_list("pk", flat=True)),
        "publish_at_0": "", "publish_at_1": "", "workflow_reason": "",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0", "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "0",
    }


# --- the contributor's photo ---------------------------------------------------------------------


def photo_story(width=1600, height=1000):
    from articles import images

    photo = images.clean_upload(factories.image_upload(width=width, height=height))
    return factories.submission(status="approved", image=photo)


def test_the_contributors_photo_is_offered_and_generated_art_stays_until_chosen(
        editor_client, django_capture_on_commit_callbacks):
    from articles import cover_files

    submission = photo_story()
    article = submission.article
    assert article.cover_source == Article.CoverSource.GENERATED and article.contributor_photo == submission.image.name

    page = editor_client.get(change_url(article)).content.decode()
    assert 'name="_use_contributor_photo"' in page and article.contributor_photo.url in page

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(change_url(article), form_data(article, _use_contributor_photo="1"))
    assert response.status_code == 302 and response["Location"] == change_url(article)
    article.refresh_from_db()
    assert article.cover_source == Article.CoverSource.UPLOADED and article.cover_original
    assert "now the cover" in editor_client.get(change_url(article)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(change_url(article), form_data(article, _regenerate_cover="1"))
    article.refresh_from_db()
    assert article.cover_source == Article.CoverSource.GENERATED
    assert article.cover_hash == cover_files.covers.fingerprint(**cover_files.cover_inputs(article))


def test_a_photo_too_small_for_a_cover_is_refused_with_a_message(editor_client):
    article = photo_story(width=640, height=400).article

    response = editor_client.post(change_url(article), form_data(article, _use_contributor_photo="1"), follow=True)

    assert "a cover needs at least" in response.content.decode()
    article.refresh_from_db()
    assert article.cover_source == Article.CoverSource.GENERATED


def test_no_photo_no_offer(editor_client):
    article = factories.submission(status="approved").article
    assert 'name="_use_contributor_photo"' not in editor_client.get(change_url(article)).content.decode()


def test_an_editor_gets_the_same_bound_on_costly_markdown_as_contributors(editor_client, article):
    response = editor_client.post(change_url(article), form_data(article, body="term\n: def\n" * 600))

    assert response.status_code == 200 and response.context["adminform"].form.errors["body"]
    article.refresh_from_db()
    assert "term" not in article.body
