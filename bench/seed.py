"""Bulk-load N published articles for the benchmark (bench/run.py calls this).

    seed.py N              N published articles (kept if already there)
    seed.py --session      prints the session cookie of a signed-in bench reader
"""

import hashlib
import os
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles import search, text  # noqa: E402
from articles.models import Article, AuthorProfile, Category, Tag  # noqa: E402

WORDS_EN = "harbour council library market river school bridge festival station garden election museum".split()
WORDS_KO = "도서관 시장 하천 학교 다리 축제 정류장 공원 선거 박물관 주민 구청".split()
BODIES = {
    "en": "The council met on Tuesday.\n\n" + " ".join(random.Random(1).choices(WORDS_EN, k=400)),
    "ko": "구청은 화요일 회의를 열었다.\n\n" + " ".join(random.Random(2).choices(WORDS_KO, k=400)),
}


def seed(count, batch=2000):
    if Article.objects.count() >= count:
        print(f"{Article.objects.count()} articles already there")
        settle()
        return
    rng = random.Random(42)
    categories = [Category.objects.get_or_create(slug=f"bench-{i}", defaults={"name": f"Bench {i}"})[0] for i in range(6)]
    tags = [Tag.objects.get_or_create(slug=f"bench-tag-{i}", defaults={"name": f"bench tag {i}"})[0] for i in range(50)]
    users = []
    for i in range(20):
        user, _ = get_user_model().objects.get_or_create(username=f"bench{i}")
        AuthorProfile.objects.get_or_create(user=user, defaults={"display_name": f"Bench Writer {i}"})
        users.append(user)
    html = {lang: text.render_markdown(body) for lang, body in BODIES.items()}
    now = timezone.now()
    start = Article.objects.count()
    Through = Article.tags.through
    for offset in range(start, count, batch):
        rows = []
        for n in range(offset, min(count, offset + batch)):
            language = "ko" if n % 3 == 0 else "en"
            words = WORDS_KO if language == "ko" else WORDS_EN
            title = f"{' '.join(rng.choices(words, k=5))} {n}"
            summary = " ".join(rng.choices(words, k=20))
            rows.append(Article(
                title=title, slug=f"bench-{n}", language=language, summary=summary, body=BODIES[language],
                body_html=html[language], reading_minutes=2,
                search_text=search.index_tokens(title, summary, BODIES[language]),
                author=users[n % len(users)], category=categories[n % len(categories)],
                status=Article.Status.PUBLISHED, published_at=now - timedelta(minutes=n), featured=n < 4,
                # Pages name every cover's files (seven addresses per card); the files themselves are not needed.
                cover_hash=hashlib.sha256(str(n).encode()).hexdigest()[:16],
            ))
        with transaction.atomic():
            created = Article.objects.bulk_create(rows)
            Through.objects.bulk_create(
                [Through(article_id=a.pk, tag_id=tags[(a.pk * 7 + k) % len(tags)].pk) for a in created for k in range(3)]
            )
        print(f"\r{min(count, offset + batch)}/{count} articles", end="", flush=True)
    print()
    settle()


def settle():
    """On PostgreSQL, do at once what autovacuum does a while after a bulk load in production:
    planner statistics, and the visibility map that lets deep pages be read from the index alone.
    (Not on SQLite: there, statistics lead the planner to worse plans for these queries.)"""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def reader_session(username="bench0"):
    """A session of a signed-in reader (one of the bench writers), as a browser would hold it after logging in."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    user = get_user_model().objects.get(username=username)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                    HASH_SESSION_KEY: user.get_session_auth_hash()})
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


if __name__ == "__main__":
    if sys.argv[1] == "--session":
        print(reader_session())
    else:
        seed(int(sys.argv[1]))
