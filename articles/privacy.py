"""The articles app's part of privacy rights (newsroom/privacy.py): the author profile, the newsletter
subscription of the account's addresses, and the stories the person wrote."""

import hashlib
import hmac

from django.conf import settings
from django.db import transaction

from articles import cache_tags, newsletter
from articles.models import Article, AuthorProfile, Delivery, NewsletterSubscriber
from newsroom import public_cache

RULES = {
    "articles.AuthorProfile": "erased: the profile (display name, bio) is deleted and its photo files with it; "
                              "the author page answers 404",
    "articles.Article": "kept: published stories stay, by “former contributor” (the author is the tombstone)",
    "articles.ArticleEvent": "anonymised: the tombstone stays as actor",
    "articles.Edition": "anonymised: the tombstone stays as the editor who composed it",
    "articles.NewsletterSubscriber": "erased: the subscription of each of the account's addresses ends (logged) "
                                     "and the address is replaced by a keyed hash",
    "articles.SubscriberEvent": "kept: the record of consent and its withdrawal, without the address",
    "articles.Delivery": "anonymised: which editions went to the erased subscriber (the edition's counts), its "
                         "address redacted from the mail server's errors",
}


def identifies(user):
    profile = AuthorProfile.objects.filter(user=user).first()
    return [profile.display_name] if profile else []


def _addresses(user):
    from newsroom import privacy

    return privacy.addresses(user)


def export(user) -> dict:
    profile = AuthorProfile.objects.filter(user=user).first()
    subscribers = NewsletterSubscriber.objects.filter(email__in=_addresses(user)).prefetch_related("events")
    articles = Article.objects.filter(author=user).select_related("category").order_by("created_at", "id")
    return {
        "profile": profile and {
            "display_name": profile.display_name,
            "bio": profile.bio,
            "photo": profile.avatar.name or None,
            "author_page": settings.SITE_URL + profile.get_absolute_url(),
        },
        "newsletter": [
            {
                "email": s.email, "language": s.language, "status": s.status, "subscribed_at": s.created_at,
                "confirmed_at": s.confirmed_at, "unsubscribed_at": s.unsubscribed_at,
                "suppression_reason": s.suppression_reason, "suppressed_at": s.suppressed_at,
                "events": [{"time": e.created_at, "from": e.from_status, "to": e.to_status, "how": e.reason}
                           for e in s.events.all()],
            }
            for s in subscribers
        ],
        "articles": [
            {
                "title": a.title, "language": a.language, "status": a.status, "section": a.category.name,
                "summary": a.summary, "created_at": a.created_at, "published_at": a.published_at,
                "address": settings.SITE_URL + a.get_canonical_path() if a.status == Article.Status.PUBLISHED else None,
            }
            for a in articles
        ],
    }


def suppression_hash(email: str) -> str:
    """What stays of an erased subscriber's address: a keyed hash (not reversible without the site's key)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()
    return f"erased-{digest[:40]}@erased.invalid"


def delete_photos(user_id, name=""):
    """The profile photo and every file of the account's photo folder (sizes derived from it included)."""
    storage = AuthorProfile._meta.get_field("avatar").storage
    folder = f"avatars/{user_id}"
    names = {name} if name else set()
    try:
        names.update(f"{folder}/{file}" for file in storage.listdir(folder)[1])
    except (FileNotFoundError, NotImplementedError, OSError):
        pass
    for each in names:
        storage.delete(each)


def erase(erasure) -> None:
    user = erasure.user
    profile = AuthorProfile.objects.filter(user=user).first()
    if profile is not None:
        photo = profile.avatar.name
        profile.delete()  # its cache tags (the author page) are invalidated
        transaction.on_commit(lambda: delete_photos(user.pk, photo))  # only once the erasure is certain
    subscribers = NewsletterSubscriber.objects.select_for_update().filter(email__in=erasure.emails)
    erasure.redact(Delivery.objects.filter(subscriber__in=subscribers), ["error"])
    for subscriber in subscribers:
        if subscriber.status in newsletter.STEPS["unsubscribe"].sources:
            newsletter.end_for_erasure(subscriber)
        subscriber.email = suppression_hash(subscriber.email)
        subscriber.save(update_fields=["email"])
    # Their stories' bylines now read "former contributor", wherever they are shown.
    ids = list(Article.objects.filter(author=user).values_list("pk", flat=True))
    public_cache.invalidate({*map(cache_tags.article, ids), cache_tags.author(user.pk), *cache_tags.ARTICLE_LISTS})
