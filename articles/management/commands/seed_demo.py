"""Demo content for trying the site: categories, authors, ~30 published articles with covers, one of them
the Korean edition of an English story (linked as its translation).

Idempotent: running it again updates what it created and adds nothing twice.
"""

import json
from datetime import timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from articles import cover_files, publishing
from articles.models import Article, AuthorProfile, Category, Tag

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "articles.json"
DEMO_PASSWORD = "newsroom-demo"
STAFF_USERS = [
    ("editor", "Editors", "Eddie Editor"),
    ("moderator", "Moderators", "Mo Moderator"),
    ("copyright", "Copyright staff", "Casey Copyright"),
    ("contributor", None, "Chris Contributor"),
]
User = get_user_model()


def article_slug(title, language):
    slug = slugify(title, allow_unicode=(language == "ko"))[:200].strip("-")
    return slug or "story"


class Command(BaseCommand):
    help = "Create or update demo users, categories and published articles with generated covers."

    def add_arguments(self, parser):
        parser.add_argument("--no-covers", action="store_true", help="Skip cover generation (faster).")

    def handle(self, *args, no_covers=False, **options):
        data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
        with transaction.atomic():
            self.ensure_groups()
            if settings.DEBUG:
                self.ensure_staff_users()
            categories = self.ensure_categories(data["categories"])
            authors = self.ensure_authors(data["authors"])
            articles = [self.ensure_article(item, categories, authors) for item in data["articles"]]
            self.link_translations(data["articles"], articles)
        if not no_covers:
            for article in articles:
                cover_files.generate(Article.objects.select_related("category").get(pk=article.pk))
        self.stdout.write(self.style.SUCCESS(
            f"Demo content ready: {len(categories)} categories, {len(authors)} authors, {len(articles)} articles."
        ))

    def ensure_groups(self):
        for name in ("Moderators", "Copyright staff", "Editors"):
            Group.objects.get_or_create(name=name)

    def ensure_staff_users(self):
        for username, group, display_name in STAFF_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@newsroom.test", "is_staff": group is not None}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            # Their (made-up) addresses count as confirmed, or allauth would wait for an email to log them in.
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"primary": True, "verified": True})
            if group:
                user.groups.add(Group.objects.get(name=group))
            AuthorProfile.objects.get_or_create(user=user, defaults={"display_name": display_name})
        self.stdout.write(f"Demo users: {', '.join(u for u, *_ in STAFF_USERS)} (password {DEMO_PASSWORD!r}).")
        # No authenticator on purpose: the first staff page walks them through setting up two-factor.
        self.stdout.write("Staff users set up two-factor authentication (an authenticator app) on their first staff page.")

    def ensure_categories(self, items):
        categories = {}
        for position, item in enumerate(items):
            category, _ = Category.objects.update_or_create(
                slug=item["slug"],
                defaults={"name": item["name"], "name_ko": item["name_ko"], "color": item["color"],
                          "description": item.get("description", ""),
                          "description_ko": item.get("description_ko", ""), "position": position},
            )
            categories[item["slug"]] = category
        return categories

    def ensure_authors(self, items):
        authors = {}
        for item in items:
            user, created = User.objects.get_or_create(
                username=item["username"], defaults={"email": f"{item['username']}@newsroom.test"}
            )
            if created:
                user.set_unusable_password()
                user.save()
            AuthorProfile.objects.update_or_create(
                user=user, defaults={"display_name": item["display_name"], "bio": item.get("bio", "")}
            )
            authors[item["username"]] = user
        return authors

    def link_translations(self, items, articles):
        """A story with "translation_of" (the original's title) and its original are each other's translation."""
        by_title = {item["title"]: article for item, article in zip(items, articles)}
        for item, article in zip(items, articles):
            original = by_title.get(item.get("translation_of"))
            if original is not None and article.translation_id != original.pk:
                publishing.link_translation(article, original, by=None)

    def ensure_article(self, item, categories, authors):
        slug = article_slug(item["title"], item["language"])
        tags = [
            Tag.objects.get_or_create(slug=slugify(name, allow_unicode=True), defaults={"name": name})[0]
            for name in item.get("tags", [])
        ]
        fields = {
            "title": item["title"], "language": item["language"], "summary": item["summary"], "body": item["body"],
            "category": categories[item["category"]], "author": authors[item["author"]],
            "featured": item.get("featured", False),
        }
        article = Article.objects.filter(slug=slug).first()
        if article is None:
            article = publishing.create_draft(slug=slug, tags=tags, **fields)
            published_at = timezone.now() - timedelta(days=item.get("days_ago", 0), hours=len(slug) % 12)
            return publishing.publish(article, reason="demo content", at=published_at)
        for name, value in fields.items():
            setattr(article, name, value)
        publishing.update_content(article)  # content columns only: never the status or the cover
        article.tags.set(tags)
        return article
