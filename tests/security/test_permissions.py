"""Who may open what: every URL of the public contract (DESIGN.md §3) and the other important pages, for
every role, with the status each one must get.

Roles: anonymous, contributor (owns the objects below), other contributor, moderator, copyright staff,
editor, superuser. Where the mere existence of someone else's object must not leak (a submission, a
counter-notice, a copyright case, an unpublished article's preview), the answer is 404, exactly as
for an object that does not exist; staff-only pages answer 403 to people who are logged in without the
role (or send them to the admin log-in). Each request runs in a savepoint that is rolled back, so the
POST rows change nothing for the rows after them.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

from articles import publishing
from articles.models import Article, Page
from submissions.models import Status
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "contributor", "other_contributor", "moderator", "copyright_staff", "editor", "superuser")
SIGNED_IN = ROLES[1:]
STAFF = ("copyright_staff", "editor", "superuser")


def expect(default, **by_role):
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {role: by_role.get(role, default) for role in ROLES}


PUBLIC = expect(200)
SIGNED_IN_ONLY = expect(200, anonymous=302)
OWNER_ONLY = expect(404, anonymous=302, contributor=200)  # someone else's object: 404, as if it did not exist
MODERATORS = expect(403, anonymous=302, moderator=200, superuser=200)
MODERATOR_ACTION = expect(403, anonymous=302, moderator=302, superuser=302)
COPYRIGHT = expect(404, anonymous=302, copyright_staff=200, superuser=200)
COPYRIGHT_ACTION = expect(404, anonymous=302, copyright_staff=302, superuser=302)
ADMIN_INDEX = expect(302, copyright_staff=200, editor=200, superuser=200)
ADMIN_ARTICLES = expect(302, copyright_staff=403, editor=200, superuser=200)
ADMIN_CASES = expect(302, copyright_staff=200, editor=403, superuser=200)
ADMIN_SUPERUSER = expect(302, copyright_staff=403, editor=403, superuser=200)
EDITOR_PREVIEW = expect(404, editor=200, superuser=200)
GUESTS_ONLY = expect(302, anonymous=200)  # sign-up and log-in send people who are logged in home


@dataclass
class Row:
    label: str
    path: str  # formatted with the world's values
    statuses: dict
    method: str = "get"
    data: dict = field(default_factory=dict)
    optional: bool = False  # copyright takedowns were built after this table: skipped while missing


ROWS = [
    # Readers
    Row("front page", "/", PUBLIC),
    Row("front page (Korean)", "/ko/", PUBLIC),
    Row("article", "/articles/{article.slug}/", PUBLIC),
    Row("article (Korean prefix)", "/ko/articles/{article.slug}/", PUBLIC),
    Row("disabled article: 451", "/articles/{disabled.slug}/", expect(451)),
    Row("withdrawn article: 410", "/articles/{withdrawn.slug}/", expect(410)),
    Row("unpublished article: 404 for everyone", "/articles/{draft.slug}/", expect(404)),
    Row("no such article", "/articles/no-such-story/", expect(404)),
    Row("category", "/category/{article.category.slug}/", PUBLIC),
    Row("tag", "/tag/{tag.slug}/", PUBLIC),
    Row("author", "/authors/{article.author.username}/", PUBLIC),
    Row("search", "/search/?q=harbour", PUBLIC),
    Row("feed", "/feeds/latest/", PUBLIC),
    Row("sitemap", "/sitemap.xml", PUBLIC),
    Row("sitemap file", "/sitemap-articles.xml", PUBLIC),
    Row("robots.txt", "/robots.txt", PUBLIC),
    Row("health check", "/healthz", PUBLIC),
    *[Row(f"page {slug}", f"/pages/{slug}/", PUBLIC) for slug in Page.Slug.values],
    Row("newsletter form", "/newsletter/", PUBLIC),
    Row("newsletter confirm (bad link)", "/newsletter/confirm/not-a-token/", expect(400)),
    Row("newsletter unsubscribe (bad link)", "/newsletter/unsubscribe/not-a-token/", expect(400)),
    Row("cookie settings", "/cookies/", PUBLIC),
    Row("report a problem", "/flag/{article.slug}/", PUBLIC),
    Row("shared preview link", "/preview/{preview_token}/", PUBLIC),
    Row("staff preview of a draft", "/preview/{draft.pk}/", EDITOR_PREVIEW),
    # Accounts
    Row("sign-up", "/accounts/signup/", GUESTS_ONLY),
    Row("log-in", "/accounts/login/", GUESTS_ONLY),
    Row("log out: GET only asks to confirm", "/accounts/logout/", expect(200, anonymous=302)),
    Row("password reset", "/accounts/password/reset/", PUBLIC),
    Row("former address of the password reset", "/accounts/password_reset/", expect(302)),
    Row("activation link of before allauth", "/accounts/activate/xx/yy/", expect(302)),
    Row("email confirmation (bad link)", "/accounts/confirm-email/not-a-key/", PUBLIC),
    Row("email addresses", "/accounts/email/", SIGNED_IN_ONLY),
    Row("account page", "/my/account/", SIGNED_IN_ONLY),
    Row("sessions and devices", "/accounts/sessions/", SIGNED_IN_ONLY),
    # Contributors
    Row("submission form", "/submit/", PUBLIC),
    Row("guest confirmation (bad link)", "/submit/confirm/not-a-token/", expect(400)),
    Row("guest access (bad link)", "/my/submissions/access/not-a-token/", expect(400)),
    Row("dashboard", "/my/submissions/", SIGNED_IN_ONLY),
    Row("someone's submission", "/my/submissions/{submission.pk}/", OWNER_ONLY),
    Row("someone's draft, edit", "/my/submissions/{draft_submission.pk}/edit/", OWNER_ONLY),
    Row("a submission that does not exist", "/my/submissions/999999/", expect(404, anonymous=302)),
    # Moderators
    Row("moderation queue", "/moderation/", MODERATORS),
    Row("review page", "/moderation/{submission.pk}/", MODERATORS),
    Row("review page, no such submission", "/moderation/999999/", expect(403, anonymous=302, moderator=404,
                                                                         superuser=404)),
    # Copyright
    Row("takedown notice form", "/copyright/report/", PUBLIC, optional=True),
    Row("transparency report", "/copyright/transparency/", PUBLIC, optional=True),
    Row("case list", "/copyright/cases/", COPYRIGHT, optional=True),
    Row("case page", "/copyright/cases/{case.reference}/", COPYRIGHT, optional=True),
    Row("case page, no such case", "/copyright/cases/TD-1999-99999/",
        expect(404, anonymous=302), optional=True),
    Row("case's original email", "/copyright/cases/{mail_case.reference}/messages/{mail_message.pk}/original/",
        COPYRIGHT, optional=True),
    Row("counter-notice (author of the disabled article)", "/my/counter-notices/{case.reference}/",
        OWNER_ONLY, optional=True),
    # Admin
    Row("admin", "/admin/", ADMIN_INDEX),
    Row("admin articles", "/admin/articles/article/", ADMIN_ARTICLES),
    Row("admin article", "/admin/articles/article/{article.pk}/change/", ADMIN_ARTICLES),
    Row("admin submissions", "/admin/submissions/submission/", ADMIN_SUPERUSER),
    Row("admin users", "/admin/auth/user/", ADMIN_SUPERUSER),
    Row("admin task results", "/admin/django_tasks_database/dbtaskresult/", ADMIN_SUPERUSER),
    Row("admin cases", "/admin/takedowns/takedowncase/", ADMIN_CASES, optional=True),
    Row("admin case", "/admin/takedowns/takedowncase/{case.pk}/change/", ADMIN_CASES, optional=True),
    # Actions (POST)
    Row("log out", "/accounts/logout/", expect(302), method="post"),
    Row("newsletter sign-up", "/newsletter/", PUBLIC, method="post", data={"email": "reader@example.com"}),
    Row("appeal someone's submission", "/my/submissions/{submission.pk}/", OWNER_ONLY | {"contributor": 302},
        method="post", data={"reason": "Please look again."}),
    Row("claim for review", "/moderation/{submission.pk}/", MODERATOR_ACTION, method="post", data={"action": "claim"}),
    Row("resolve a reader's report", "/moderation/flags/{flag.pk}/resolve/", MODERATOR_ACTION, method="post",
        data={"resolution": "Fixed."}),
    Row("resolve needs POST", "/moderation/flags/{flag.pk}/resolve/", expect(405, anonymous=302, contributor=403,
                                                                              other_contributor=403,
                                                                              copyright_staff=403, editor=403)),
    Row("note on a case", "/copyright/cases/{case.reference}/", COPYRIGHT_ACTION, method="post",
        data={"action": "note", "message": "Checked the photo's metadata."}, optional=True),
    Row("admin publish action", "/admin/articles/article/", ADMIN_ARTICLES | {"editor": 302, "superuser": 302},
        method="post", data={"action": "publish_now", "_selected_action": "{draft.pk}", "index": "0"}),
]


class World(dict):
    """The objects the rows point at, owned by `contributor`, and one user per role."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def build_world():
    factories.staff_groups()
    users = {
        "anonymous": None,
        "contributor": factories.user(password=None, username="owner"),
        "other_contributor": factories.user(password=None, username="stranger"),
        "moderator": factories.moderator(password=None, username="mod"),
        "copyright_staff": factories.user(password=None, username="copyright", is_staff=True,
                                          groups=["Copyright staff"]),
        "editor": factories.editor(password=None, username="ed"),
        "superuser": factories.user(password=None, username="root", is_staff=True, is_superuser=True),
    }
    owner = users["contributor"]
    category = factories.category(name="Local")
    article = factories.article(title="Harbour bridge reopens", category=category, tags=["harbour"])
    world = World(
        users=users, article=article, tag=article.tags.get(),
        draft=factories.article(title="Unpublished draft", status=Article.Status.DRAFT),
        disabled=factories.article(title="Disabled story", status=Article.Status.DISABLED),
        withdrawn=factories.article(title="Withdrawn story", status=Article.Status.WITHDRAWN),
        submission=factories.submission(contributor=owner, category=category),
        draft_submission=factories.submission(status=Status.DRAFT, contributor=owner, category=category),
        flag=factories.flag(article=article),
    )
    world["preview_token"] = publishing.preview_token(world["draft"])
    world.update(_copyright_objects(owner, category))
    return world


def _copyright_objects(owner, category):
    try:
        from newsroom import inbound
        from submissions.takedowns import workflow as takedowns
        from submissions.takedowns.models import TakedownMessage
    except ImportError:
        return {}
    staff = factories.user(password=None, is_staff=True, groups=["Copyright staff"])
    owned = factories.article(title="Owner's disputed story", author=owner, category=category)
    url = owned.get_absolute_url()
    case = takedowns.open_case(
        source="web", complainant_name="Jane Doe", complainant_address="1 Main Street",
        complainant_email="jane@example.com", complainant_phone="+1 555 0100", work_description="My photo.",
        reported_urls=[url], links=[(owned, url)], good_faith_statement=True, accuracy_statement=True,
        signature="Jane Doe",
    )
    takedowns.start_review(case, by=staff)
    takedowns.uphold(case, by=staff, reason="The photo is used without a licence.")
    raw = (b"From: Jo <jo@example.com>\r\nTo: copyright@newsroom.test\r\nSubject: Takedown\r\n"
           b"Message-ID: <permissions@example.com>\r\nDate: Mon, 05 Jan 2026 10:00:00 +0000\r\n\r\n"
           b"Please remove my photo.\r\n")
    inbound.ingest_message(raw)
    message = TakedownMessage.objects.filter(message_id__contains="permissions@example.com").select_related("case").get()
    case.refresh_from_db()
    return {"case": case, "mail_case": message.case, "mail_message": message}


def _format(template, world):
    return template.format(**world) if "{" in template else template


def request(role, row, world):
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    path = _format(row.path, world)
    data = {key: _format(value, world) for key, value in row.data.items()}
    with transaction.atomic():
        response = getattr(client, row.method)(path, data) if row.method == "post" else client.get(path)
        transaction.set_rollback(True)
    return path, response


@pytest.fixture(autouse=True)
def _quiet(settings):
    settings.RATELIMIT_ENABLED = False


def _resolves(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _sample(path):
    return re.sub(r"\{[^}]+\}", "1", path.split("?")[0])


def _available(row, world):
    """False for a copyright row while takedowns are not built (no route, or no case in the world)."""
    if not row.optional:
        return True
    keys = re.findall(r"\{(\w+)", row.path + " ".join(row.data.values()))
    return all(key in world for key in keys) and _resolves(_sample(row.path)) and (
        "takedowncase" not in row.path or "case" in world)


def test_the_table_covers_every_contract_url():
    contract = ["/", "/articles/x/", "/category/x/", "/tag/x/", "/authors/x/", "/search/", "/feeds/latest/",
                "/sitemap.xml", "/robots.txt", "/pages/guidelines/", "/pages/privacy/", "/pages/terms/",
                "/pages/legal/", "/newsletter/", "/accounts/signup/", "/accounts/login/", "/accounts/logout/",
                "/accounts/password_reset/", "/accounts/password/reset/", "/accounts/email/", "/submit/", "/my/submissions/", "/my/submissions/1/", "/moderation/",
                "/moderation/1/", "/copyright/report/", "/copyright/transparency/", "/admin/", "/healthz"]
    routes = {resolve(_sample(row.path)).route for row in ROWS if _resolves(_sample(row.path))}
    for path in contract:
        if path.startswith("/copyright/") and not _resolves(path):
            continue  # not built yet: its rows are skipped, and the role tests say so
        assert resolve(path).route in routes, path


def test_every_url_answers_each_role_as_expected():
    world = build_world()
    wrong, skipped = [], set()
    for role in ROLES:
        for row in ROWS:
            if not _available(row, world):
                skipped.add(row.label)
                continue
            path, response = request(role, row, world)
            expected = row.statuses[role]
            if response.status_code != expected:
                wrong.append(f"{role}: {row.method.upper()} {path} ({row.label}): {response.status_code}, "
                             f"expected {expected}")
            elif expected == 302 and role == "anonymous" and row.statuses is not PUBLIC:
                location = response["Location"]
                if "/login/" not in location and not row.label.startswith(("log out", "sign", "former address")):
                    wrong.append(f"{path}: anonymous sent to {location}, not to log in")
    assert not wrong, "\n".join(wrong)
    assert len(skipped) <= 12, skipped


def _main(response):
    html = response.content.decode()
    return html[html.index("<main"):html.index("</main>")]


def test_someone_elses_objects_look_exactly_like_missing_ones():
    world = build_world()
    stranger = Client()
    stranger.force_login(world.users["other_contributor"])
    pairs = [(f"/my/submissions/{world.submission.pk}/", "/my/submissions/999999/"),
             (f"/my/submissions/{world.draft_submission.pk}/edit/", "/my/submissions/999998/edit/"),
             (f"/preview/{world.draft.pk}/", "/preview/999999/")]
    if "case" in world:
        pairs += [(f"/copyright/cases/{world.case.reference}/", "/copyright/cases/TD-1999-99999/"),
                  (f"/my/counter-notices/{world.case.reference}/", "/my/counter-notices/TD-1999-99999/")]
    for existing, missing in pairs:
        a, b = stranger.get(existing), stranger.get(missing)
        assert (a.status_code, b.status_code) == (404, 404), existing
        assert _main(a) == _main(b), existing


def test_staff_pages_refuse_with_a_page_that_says_so():
    world = build_world()
    contributor = Client()
    contributor.force_login(world.users["contributor"])

    response = contributor.get("/moderation/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "You do not have access to this page" in html and "You are logged in as owner" in html
