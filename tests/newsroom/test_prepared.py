import pytest

from articles.models import Article
from newsroom.prepared import Prepared
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_prepared_query_gives_what_its_queryset_gives_for_every_value_and_length(category):
    stories = [factories.article(title=f"Story {n}", tags=["ferry"] if n % 2 else ["tides"]) for n in range(6)]
    factories.article(title="Not yet", status=Article.Status.DRAFT, tags=["ferry"])

    def build(article_id, tag_ids):
        return (Article.objects.published().exclude(pk=article_id).filter(tags__in=tag_ids)
                .order_by("-published_at", "-id").values_list("pk")[:10])

    newest = Prepared(build)
    ferry, tides = stories[1].tags.get().pk, stories[0].tags.get().pk
    for article_id, tag_ids in [(stories[1].pk, [ferry]), (stories[3].pk, [ferry]), (stories[0].pk, [ferry, tides]),
                                (stories[5].pk, [tides, ferry])]:
        assert newest.rows(article_id, tag_ids) == list(build(article_id, tag_ids)), (article_id, tag_ids)


def test_prepared_instances_are_the_models_rows_with_their_annotations(category):
    from django.db.models import Count

    from articles.models import Tag

    factories.article(title="One", tags=["ferry", "tides"])
    factories.article(title="Two", tags=["ferry"])

    by_stories = Prepared(lambda least: Tag.objects.annotate(stories=Count("articles")).filter(stories__gte=least)
                          .order_by("name").values_list("pk", "name", "slug", "stories"))

    tags = by_stories.instances(Tag, 1)
    assert [(t.name, t.slug, t.stories) for t in tags] == [("ferry", "ferry", 2), ("tides", "tides", 1)]
    assert tags[0] == Tag.objects.get(slug="ferry") and tags[0].get_absolute_url() == "/tag/ferry/"
    assert [t.name for t in by_stories.instances(Tag, 2)] == ["ferry"]
