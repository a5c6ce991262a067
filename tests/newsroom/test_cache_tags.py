"""A change makes stale only what shows what it touched (cache tags), and a 410 or 451 shows at once everywhere."""

import pytest
from articles import publishing
from articles.models import Article
from newsroom import public_cache
from newsroom.models import CacheTagVersion
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_caches(settings):
    settings.PUBLIC_CACHE_SECONDS = 600
    settings.FRAGMENT_CACHE_SECONDS = 600


@pytest.fixture
def newsroom(db, django_capture_on_commit_callbacks):
    """Three sections and authors: a ferry story, a story listing it as related (same tag), and an unrelated one."""
    with django_capture_on_commit_callbacks(execute=True):  # committed, as on a real site
        harbour, culture, sport = (factories.category(name=name) for name in ("Harbour", "Culture", "Sport"))
        ferry = factories.article(title="Ferry strike ends", category=harbour, author=factories.user(),
                                  tags=["ferries"])
        neighbour = factories.article(title="Ferry fares rise", category=culture, author=factories.user(),
                                      tags=["ferries"])
        unrelated = factories.article(title="Gallery reopens", category=sport, author=factories.user(),
                                      tags=["painting"])
    return ferry, neighbour, unrelated


def warm(client, urls):
    for url in urls:
        client.get(url)
    assert all(client.get(url)["X-Cache"] == "hit" for url in urls)


def test_a_page_carries_the_tags_of_what_it_shows(client, newsroom):
    ferry, neighbour, unrelated = newsroom

    tags = set(client.get(neighbour.get_absolute_url())["xkey"].split())
    front = set(client.get("/")["xkey"].split())

    assert {f"article-{neighbour.pk}", f"author-{neighbour.author_id}", f"tag-{neighbour.tags.get().pk}",
            f"article-{ferry.pk}", "sections", "disclaimers", "newsroom"} <= tags  # the ferry story is related
    assert f"article-{unrelated.pk}" not in tags
    assert {"front", f"article-{ferry.pk}", f"article-{neighbour.pk}", f"article-{unrelated.pk}"} <= front


def test_a_new_story_leaves_unrelated_article_pages_cached_and_refreshes_its_lists(
    client, newsroom, django_capture_on_commit_callbacks
):
    ferry, neighbour, unrelated = newsroom
    harbour = ferry.category
    urls = ["/", harbour.get_absolute_url(), "/tag/ferries/", ferry.get_absolute_url(),
            neighbour.get_absolute_url(), unrelated.get_absolute_url()]
    warm(client, urls)

    with django_capture_on_commit_callbacks(execute=True):
        factories.article(title="Night ferry returns", category=harbour, author=factories.user(), tags=["ferries"])

    assert client.get(unrelated.get_absolute_url())["X-Cache"] == "hit"
    for url in ("/", harbour.get_absolute_url(), "/tag/ferries/", ferry.get_absolute_url(),
                neighbour.get_absolute_url()):  # its lists, and the stories that list it as related
        response = client.get(url)
        assert response["X-Cache"] == "miss" and "Night ferry returns" in response.content.decode(), url


def test_an_edit_refreshes_the_pages_that_show_the_story_and_no_other(
    client, newsroom, django_capture_on_commit_callbacks
):
    ferry, neighbour, unrelated = newsroom
    warm(client, ["/", ferry.category.get_absolute_url(), neighbour.get_absolute_url(), unrelated.get_absolute_url()])

    with django_capture_on_commit_callbacks(execute=True):
        ferry.title = "Ferry strike is over"
        publishing.update_content(ferry)

    assert client.get(unrelated.get_absolute_url())["X-Cache"] == "hit"
    for url in ("/", ferry.category.get_absolute_url(), neighbour.get_absolute_url()):
        response = client.get(url)
        assert response["X-Cache"] == "miss" and "Ferry strike is over" in response.content.decode(), url


@pytest.mark.parametrize("step", ["withdraw", "disable"])
def test_a_withdrawn_or_disabled_story_is_gone_at_once_from_every_page_that_listed_it(
    client, newsroom, django_capture_on_commit_callbacks, step
):
    ferry, neighbour, unrelated = newsroom
    author_url = f"/authors/{ferry.author.username}/"
    listing = ["/", ferry.category.get_absolute_url(), "/tag/ferries/", author_url, "/search/?q=strike",
               "/feeds/latest/", "/sitemap-articles.xml", neighbour.get_absolute_url()]
    warm(client, [ferry.get_absolute_url(), unrelated.get_absolute_url(), *listing])
    assert all("Ferry strike ends" in client.get(url).content.decode() or ferry.slug in client.get(url).content.decode()
               for url in listing)

    with django_capture_on_commit_callbacks(execute=True):
        getattr(publishing, step)(ferry, by=None, reason="test")

    assert client.get(ferry.get_absolute_url()).status_code == (410 if step == "withdraw" else 451)
    for url in listing:
        html = client.get(url).content.decode()
        assert "Ferry strike ends" not in html and ferry.slug not in html, url
    assert client.get(unrelated.get_absolute_url())["X-Cache"] == "hit"


def test_renaming_a_section_refreshes_every_page_that_shows_it(client, newsroom, django_capture_on_commit_callbacks):
    ferry, neighbour, unrelated = newsroom
    urls = ["/", unrelated.get_absolute_url(), "/tag/painting/", "/feeds/latest/"]
    warm(client, urls)

    with django_capture_on_commit_callbacks(execute=True):
        ferry.category.name = "Waterfront"
        ferry.category.save()

    for url in urls:  # the menu of every page, and the feed's item categories
        assert "Waterfront" in client.get(url).content.decode(), url


def test_a_tag_added_to_a_published_story_refreshes_that_tags_page(client, newsroom, django_capture_on_commit_callbacks):
    ferry, neighbour, unrelated = newsroom
    warm(client, ["/tag/painting/", unrelated.get_absolute_url()])

    with django_capture_on_commit_callbacks(execute=True):
        ferry.tags.add(factories.tag("painting"))

    assert "Ferry strike ends" in client.get("/tag/painting/").content.decode()
    assert "Ferry strike ends" in client.get(unrelated.get_absolute_url()).content.decode()  # now related


def test_a_story_published_at_an_address_that_was_not_found_replaces_the_cached_404(
    client, category, author, django_capture_on_commit_callbacks
):
    draft = factories.article(title="Tide tables", status=Article.Status.DRAFT, category=category, author=author)
    url = draft.get_absolute_url()
    warm(client, [url])
    assert client.get(url).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(draft)

    assert client.get(url).status_code == 200


def test_a_story_page_hit_with_warm_fragments_costs_one_query(client, newsroom, django_assert_num_queries):
    url = newsroom[1].get_absolute_url()
    client.get(url)

    with django_assert_num_queries(1):
        assert client.get(url)["X-Cache"] == "hit"


def test_a_list_page_built_from_warm_fragments_costs_no_more_queries(client, newsroom, django_assert_max_num_queries):
    """A page-cache miss (another page number, say) reads the tags once at the start and once at the end."""
    client.get("/")

    with django_assert_max_num_queries(5):
        assert client.get("/?page=1")["X-Cache"] == "miss"


def test_versions_never_go_back_even_after_an_older_database_is_restored(
    client, newsroom, django_capture_on_commit_callbacks
):
    ferry, neighbour, unrelated = newsroom
    url = ferry.get_absolute_url()
    backup = list(CacheTagVersion.objects.values_list("tag", "version"))  # the backup is taken here
    with django_capture_on_commit_callbacks(execute=True):
        ferry.title = "Ferry strike: the talks"
        publishing.update_content(ferry)
    client.get(url)
    assert client.get(url)["X-Cache"] == "hit"
    used = max(CacheTagVersion.objects.values_list("version", flat=True))

    # The backup is restored: the database is older than the cache, the story has its old title.
    CacheTagVersion.objects.all().delete()
    CacheTagVersion.objects.bulk_create(CacheTagVersion(tag=tag, version=version) for tag, version in backup)
    Article.objects.filter(pk=ferry.pk).update(title="Ferry strike ends")  # what the backup holds

    restored = client.get(url)
    assert restored["X-Cache"] == "miss" and "Ferry strike ends" in restored.content.decode()
    # And the next change moves every version it touches past all that the site had used before the restore.
    with django_capture_on_commit_callbacks(execute=True):
        ferry.refresh_from_db()
        ferry.title = "Ferry strike: agreement"
        publishing.update_content(ferry)
    assert CacheTagVersion.objects.get(tag=f"article-{ferry.pk}").version > used
    assert "Ferry strike: agreement" in client.get(url).content.decode()


def test_a_bump_moves_past_the_greatest_version_even_when_the_clock_is_behind(db):
    CacheTagVersion.objects.create(tag="front", version=2**62)  # made by a machine whose clock ran far ahead

    public_cache.bump(["article-1"])

    assert CacheTagVersion.objects.get(tag="article-1").version == 2**62 + 1
