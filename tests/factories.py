"""Plain functions that build valid objects with sensible defaults; override what a test cares about."""

import itertools
import time
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from articles import publishing
from articles.models import Article, AuthorProfile, Category, Tag

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


STAFF_GROUPS = ("Moderators", "Copyright staff", "Editors")


def user(*, username=None, display_name=None, groups=(), password=PASSWORD, two_factor=None, **fields):
    """`two_factor`: give the account an authenticator app (totp_authenticator); by default staff get one,
    as the site requires (staff groups, superusers, admin users). Pass two_factor=False for staff without."""
    n = next(_counter)
    username = username or f"user{n}"
    fields.setdefault("email", f"{username}@example.com")
    created = get_user_model().objects.create_user(username=username, password=password, **fields)
    for name in groups:
        created.groups.add(Group.objects.get_or_create(name=name)[0])
    AuthorProfile.objects.create(user=created, display_name=display_name or username.title())
    if created.email and created.is_active:  # an account in use has confirmed its address
        EmailAddress.objects.create(user=created, email=created.email.lower(), primary=True, verified=True)
    if two_factor is None:
        two_factor = created.is_staff or created.is_superuser or any(name in STAFF_GROUPS for name in groups)
    if two_factor:
        totp_authenticator(created)
    return created


def totp_authenticator(user, *, secret=None):
    """An active authenticator app for `user`, with recovery codes, made by allauth.mfa's own functions.

    The secret is kept on the user (`user.totp_secret`) so that a test can compute codes: `totp_code(user)`.
    """
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    user.totp_secret = secret
    return secret


def totp_code(user_or_secret, *, offset=0):
    """The code an authenticator app shows now (offset: periods later or earlier), for a secret or a user."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
    from allauth.mfa.utils import decrypt

    secret = user_or_secret
    if not isinstance(secret, str):
        secret = getattr(user_or_secret, "totp_secret", None) or decrypt(
            Authenticator.objects.get(user_id=user_or_secret.pk, type=Authenticator.Type.TOTP).data["secret"])
    counter = next(iter(yield_hotp_counters_from_time())) + offset
    return format_hotp_value(hotp_value(secret, counter))


def has_authenticator(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def recovery_codes(user):
    from allauth.mfa.models import Authenticator

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return authenticator.wrap().get_unused_codes()


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


def staff_groups():
    """The staff groups with Editors' permissions, as migration 0005 makes them.

    Transactional tests (browser journeys) flush the database, data migrations included: call this to restore.
    """
    import importlib

    from django.apps import apps

    from articles.models import Disclaimer

    importlib.import_module("articles.migrations.0005_staff_groups").install(apps, None)
    if not Disclaimer.objects.exists():
        importlib.import_module("articles.migrations.0003_default_disclaimers_and_pages").install(apps, None)
    return {group.name: group for group in Group.objects.filter(name__in=("Moderators", "Copyright staff", "Editors"))}


def editor(*, username=None, **fields):
    """A staff user in the Editors group, with exactly the permissions the group gives."""
    staff_groups()
    fields.setdefault("is_staff", True)
    return user(username=username, groups=["Editors"], **fields)


def image_upload(*, width=1000, height=600, fmt="PNG", color=(200, 60, 40), name=None):
    """An in-memory uploaded image file, as a browser would send it."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), color)
    for x in range(0, width, 50):  # some structure, so crops and re-encodes are visible
        image.paste((color[2], color[0], color[1]), (x, 0, x + 25, height))
    image.save(buffer, fmt)
    extension = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}[fmt]
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}[fmt]
    return SimpleUploadedFile(name or f"cover.{extension}", buffer.getvalue(), content_type=content_type)


# --- Submissions and moderation ---------------------------------------------------

STORY_BODY = (
    "The council voted on Tuesday to keep the riverside library open on weekends.\n\n"
    "Residents had collected more than two thousand signatures over the summer, and the "
    "vote passed by seven to two after a long debate about the cost of the extra staff hours."
)


def moderator(*, username=None, **fields):
    return user(username=username, groups=["Moderators"], **fields)


def submission(*, status="submitted", contributor=None, by=None, title=None, body=STORY_BODY, category=None,
               guest_name="", guest_email="", reason="Test reason.", **fields):
    """A submission driven through the real workflow to `status`.

    `by` is the moderator who claims and decides where the status needs one.
    """
    from submissions import moderation, services
    from submissions.models import Status

    n = next(_counter)
    data = {
        "title": title or f"Council keeps library {n} open on weekends",
        "summary": fields.pop("summary", "A vote after a summer of petitions."),
        "body": body,
        "category": category or globals()["category"](),
        "tags": fields.pop("tags", ["library", "council"]),
        "language": fields.pop("language", "en"),
        "sources": fields.pop("sources", [f"https://example.org/minutes/{n}"]),
        "no_sources": fields.pop("no_sources", False),
        "image": fields.pop("image", None),
    }
    if guest_email:
        created = services.send_as_guest(guest_name=guest_name or "Guest Writer", guest_email=guest_email, data=data,
                                         contact_language=fields.pop("contact_language", "en"))
        if status == Status.UNCONFIRMED:
            return created
        created = moderation.confirm_email(created)
    else:
        contributor = contributor or user()
        if status == Status.DRAFT:
            return services.save_draft(contributor=contributor, data=data, contact_language="en")
        created = services.send(contributor=contributor, data=data, contact_language="en")
    if status == Status.SUBMITTED:
        return created
    by = by or moderator()
    moderation.claim(created, by=by)
    if status == Status.IN_REVIEW:
        return _reload(created)
    if status == Status.APPROVED:
        moderation.approve(created, by=by)
    elif status == Status.CHANGES_REQUESTED:
        moderation.request_changes(created, by=by, reason=reason)
    elif status in (Status.REJECTED, Status.APPEALED):
        moderation.reject(created, by=by, reason=reason)
        if status == Status.APPEALED:
            moderation.appeal(created, by=created.contributor, guest_email=created.guest_email, reason="Please look again.")
    else:
        raise ValueError(status)
    return _reload(created)


def _reload(instance):
    instance.refresh_from_db()
    return instance


def flag(*, article=None, reason="inaccurate", note="The date is wrong.", reporter=None):
    from submissions import services

    return services.flag_article(article=article or globals()["article"](), reason=reason, note=note, reporter=reporter)


# --- Copyright takedowns -----------------------------------------------------------

NOTICE = {
    "complainant_name": "Jane Doe",
    "complainant_organisation": "Lumen Photo Agency",
    "complainant_address": "221 Baker Street, London NW1 6XE",
    "complainant_email": "jane.doe@lumen-photo.example.com",
    "complainant_phone": "+44 20 7946 0958",
    "work_description": "The photograph “Harbour Bridge at Dawn” by Min-ji Park, https://lumen-photo.example.com/dawn",
    "good_faith_statement": True,
    "accuracy_statement": True,
    "signature": "Jane Doe",
}


def copyright_staff(*, username=None, **fields):
    fields.setdefault("is_staff", True)
    return user(username=username, groups=["Copyright staff"], **fields)


def takedown_case(*, status="received", articles=(), by=None, reference=None, source="web", language="en",
                  missing=(), reason="The photograph is used without a licence.", **fields):
    """A takedown case driven through the real workflow (submissions/takedowns/workflow.py) to `status`.

    `articles` are linked; `by` is the copyright staff member who decides (made when needed).
    `reference` (e.g. "TD-2026-00042") renames the case after it is opened, for tests about references.
    """
    from submissions.takedowns import workflow as takedowns
    from submissions.takedowns.models import TakedownCase

    data = {**NOTICE, **fields}
    case = takedowns.open_case(source=source, language=language, links=[(a, a.get_absolute_url()) for a in articles],
                               reported_urls=[a.get_absolute_url() for a in articles], missing=missing, **data)
    if reference:
        year, number = int(reference.split("-")[1]), int(reference.split("-")[2])
        TakedownCase.objects.filter(pk=case.pk).update(reference=reference, year=year, number=number)
        case.refresh_from_db()
    if status == "received" or (status == "needs_info" and missing):
        return _reload(case)
    by = by or copyright_staff()
    if status == "needs_info":
        takedowns.request_info(case, by=by, message="Please send the registration number.")
        return _reload(case)
    if status == "dismissed":
        takedowns.dismiss(case, by=by, reason=reason)
        return _reload(case)
    takedowns.start_review(case, by=by)
    if status == "under_review":
        return _reload(case)
    takedowns.uphold(case, by=by, reason=reason)
    if status == "upheld":
        return _reload(case)
    if status == "counter_noticed":
        takedowns.record_counter_notice(case, by=by, text="The photo is mine: I took it myself.")
        return _reload(case)
    if status == "restored":
        takedowns.restore(case, by=by, reason="The complainant withdrew the notice.")
    elif status == "closed":
        takedowns.close(case, by=by, reason="No counter-notice.")
    else:
        raise ValueError(status)
    return _reload(case)


def admin_article_form(article, **overrides):
    """What the admin's article change form posts for `article` unchanged, plus overrides (None drops a key)."""
    from django.utils import timezone

    article.refresh_from_db()
    data = {
        "title": article.title, "slug": article.slug, "language": article.language,
        "translation": article.translation_id or "",
        "category": article.category_id, "author": article.author_id, "summary": article.summary,
        "body": article.body, "tags": [t.pk for t in article.tags.all()],
        "disclaimers": [d.pk for d in article.disclaimers.all()],
        "cover_credit": article.cover_credit, "workflow_reason": "",
        "publish_at_0": "", "publish_at_1": "",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0", "events-MIN_NUM_FORMS": "0", "events-MAX_NUM_FORMS": "0",
    }
    if article.featured:
        data["featured"] = "on"
    if article.publish_at:
        local = timezone.localtime(article.publish_at)
        data["publish_at_0"], data["publish_at_1"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def delivery_status_notification(*, to, recipient, message_id, delivery_id="", status="5.1.1"):
    """A bounce report (RFC 3464) from a receiving server about one of our messages, returning its headers."""
    return f"""From: MAILER-DAEMON@mx.example.org
To: {to}
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-{time.time_ns()}@mx.example.org>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Your message could not be delivered.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822; {recipient}
Action: failed
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--b
Content-Type: text/rfc822-headers

From: Newsroom <newsroom@localhost>
To: {recipient}
Subject: Newsroom weekly
Message-ID: {message_id}
X-Newsroom-Delivery: {delivery_id}

--b--
""".replace("\n", "\r\n").encode()
