"""manage.py publish_scheduled and generate_covers."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles import cover_files, covers, publishing
from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db
Status = Article.Status


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_publish_scheduled_publishes_due_articles_once(category, author):
    due = publishing.schedule(factories.article(status=Status.DRAFT, category=category, author=author),
                              at=timezone.now() - timedelta(minutes=1))
    later = publishing.schedule(factories.article(status=Status.DRAFT, category=category, author=author),
                                at=timezone.now() + timedelta(hours=1))

    out, _ = run("publish_scheduled")
    again, _ = run("publish_scheduled")

    assert out.strip() == "Published 1 scheduled article." and again.strip() == "Published 0 scheduled articles."
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Status.PUBLISHED and due.published_at is not None
    assert later.status == Status.SCHEDULED
    assert due.events.last().reason == "scheduled"


def test_publish_scheduled_leaves_unscheduled_articles_alone(category, author):
    article = publishing.schedule(factories.article(status=Status.DRAFT, category=category, author=author),
                                  at=timezone.now() + timedelta(minutes=5))
    publishing.unschedule(article, by=None)

    run("publish_scheduled", "--verbosity", "0")

    article.refresh_from_db()
    assert article.status == Status.DRAFT


@pytest.fixture
def three(category, author):
    return [factories.article(title=f"Story {i}", category=category, author=author) for i in range(3)]


def test_generate_covers_draws_all_with_a_progress_bar(three):
    out, err = run("generate_covers")

    assert "Covers drawn: 3; already up to date: 0; failed: 0." in out
    assert "Covers" in err and "3/3" in err  # tqdm's bar
    for article in Article.objects.all():
        assert cover_files.is_current(article)

    out, _ = run("generate_covers")
    assert "Covers drawn: 0; already up to date: 3" in out


def test_generate_covers_only_missing_leaves_existing_covers(three):
    cover_files.generate(three[0])
    stale = three[1]
    cover_files.generate(stale)
    Article.objects.filter(pk=stale.pk).update(title="Renamed without a redraw")

    out, _ = run("generate_covers", "--only-missing", "--verbosity", "1")

    assert "Covers drawn: 1; already up to date: 2" in out  # the stale one has files, so it is not missing
    out, _ = run("generate_covers")
    assert "Covers drawn: 1; already up to date: 2" in out  # a plain run redraws the stale one


def test_generate_covers_for_some_slugs(three):
    out, _ = run("generate_covers", "--slug", three[0].slug, "--slug", three[2].slug)

    assert "Covers drawn: 2" in out
    drawn = set(Article.objects.exclude(cover_hash="").values_list("pk", flat=True))
    assert drawn == {three[0].pk, three[2].pk}


def test_generate_covers_refuses_unknown_slugs(three):
    with pytest.raises(CommandError, match="no-such-story"):
        run("generate_covers", "--slug", "no-such-story")


def test_generate_covers_leaves_uploaded_covers_alone(three):
    publishing.replace_cover(three[0], image=cover_files.clean_upload(factories.image_upload()))
    uploaded = three[0].cover_hash

    out, _ = run("generate_covers", "--force")

    assert "Covers drawn: 2" in out
    three[0].refresh_from_db()
    assert three[0].cover_hash == uploaded


def test_generate_covers_reports_failures_and_carries_on(three, monkeypatch):
    real = cover_files.generate

    def flaky(article, **kwargs):
        if article.pk == three[1].pk:
            raise OSError("disk full")
        return real(article, **kwargs)

    monkeypatch.setattr(cover_files, "generate", flaky)

    with pytest.raises(CommandError, match="disk full"):
        run("generate_covers", "--verbosity", "0")
    assert Article.objects.exclude(cover_hash="").count() == 2


def test_generate_covers_without_a_hangul_font_stops_with_the_hint(three, monkeypatch):
    def missing(bold=True):
        raise covers.CoverFontMissing(covers.INSTALL_HINT)

    monkeypatch.setattr(covers, "find_font", missing)

    with pytest.raises(CommandError, match="fonts-noto-cjk"):
        run("generate_covers")
