"""Plain functions that build valid objects with sensible defaults; override what a test cares about."""

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from articles import publishing
from articles.models import Article, AuthorProfile, Category, Tag

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def user(*, username=None, display_name=None, groups=(), password=PASSWORD, **fields):
    n = next(_counter)
    username = username or f"user{n}"
    fields.setdefault("email", f"{username}@example.com")
    created = get_user_model().objects.create_user(username=username, password=password, **fields)
    for name in groups:
        created.groups.add(Group.objects.get_or_create(name=name)[0])
    AuthorProfile.objects.create(user=created, display_name=display_name or username.title())
    return created


def category(*, name=None, **fields):
    n = next(_counter)
    name = name or f"Section {n}"
    fields.setdefault("slug", slugify(name))
    return Category.objects.create(name=name, **fields)


def tag(name):
    return Tag.objects.get_or_create(name=name, defaults={"slug": slugify(name, allow_unicode=True)})[0]


def article(*, title=None, status=Article.Status.PUBLISHED, category=None, author=None, tags=(), published_at=None,
            body=None, **fields):
    """A published article by default; pass status=... for the other states."""
    n = next(_counter)
    title = title or f"Story number {n}"
    fields.setdefault("slug", slugify(title, allow_unicode=True)[:200] or f"story-{n}")
    fields.setdefault("summary", f"Summary of {title}.")
    created = publishing.create_draft(
        title=title,
        body=body if body is not None else f"First paragraph of {title}.\n\nSecond paragraph.",
        category=category or globals()["category"](),
        author=author or user(),
        tags=[tag(t) if isinstance(t, str) else t for t in tags],
        **fields,
    )
    if status == Article.Status.DRAFT:
        return created
    when = published_at or timezone.now() - timedelta(minutes=n)
    created = publishing.publish(created, at=when)
    if status == Article.Status.PUBLISHED:
        return created
    if status == Article.Status.WITHDRAWN:
        return publishing.withdraw(created, by=None, reason="test")
    if status == Article.Status.DISABLED:
        return publishing.disable(created, by=None, reason="test")
    raise ValueError(status)
