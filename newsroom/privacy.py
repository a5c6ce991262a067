"""Privacy rights, one mechanism for every app: export my data, delete my account.

The generic part lives here and imports no app's models: the account itself (the user row, its
allauth email addresses, its sessions), the outbox, the admin's log, and the order of things. Each
app registers its own part in its AppConfig.ready() (as apps register mail handlers with
newsroom/inbound.py):

    privacy.register("articles", exporter=export, eraser=erase, identifies=names, rules=RULES)

- `exporter(user) -> dict`: the app's sections of the export file (plain JSON values);
- `eraser(erasure)`: erases or anonymises the app's rows of `erasure.user`, inside the one transaction
  of `delete_account()`, before the account row itself becomes a tombstone;
- `identifies(user) -> iterable of str`: names the person is known by in this app (a display name),
  redacted wherever they were copied into text;
- `rules`: `{"app_label.ModelName": "erased: …" | "anonymised: …" | "kept: …"}`, what deletion does to each
  model that holds personal data. tests/newsroom/test_privacy.py fails for any model related to the
  user, or holding an email address, that no part names.

Deletion keeps the user row as a *tombstone* (inactive, username `deleted-<random>`, no email, no
name, unusable password, no group): every log that names it as an actor (moderation, takedowns,
publishing, the admin's history) stays meaningful ("a former contributor did this, then"), foreign
keys that PROTECT (articles' authors) stay valid, and nothing is deleted in cascade.
"""

from __future__ import annotations

import datetime
import json
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import TextField, Value
from django.db.models.functions import Cast, Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from newsroom import mail
from newsroom.models import InboundMessage, OutboundEmail

logger = logging.getLogger(__name__)

FORMAT = "newsroom-export/1"
TOMBSTONE_PREFIX = "deleted-"
REDACTED = "[erased]"
# What stands for an erased person wherever a name is shown (bylines, cards, feeds).
FORMER_CONTRIBUTOR = _("former contributor")

# What deletion does to the tables of the account itself (the apps' parts add their own).
RULES = {
    "auth.User": "anonymised: kept as a tombstone (inactive, username deleted-<random>, no email, no name, "
                 "unusable password, no groups or permissions) so that logs keep an actor and articles an author",
    "account.EmailAddress": "erased: every address of the account is deleted",
    "account.EmailConfirmation": "erased: deleted with the addresses",
    "admin.LogEntry": "anonymised: entries keep the tombstone as actor or object; its old names are redacted "
                      "from their text; one entry records the deletion, without personal data",
    "sessions.Session": "erased: the account's sessions are deleted (and the password change ends any other)",
    "newsroom.OutboundEmail": "erased: emails to the account's addresses lose recipients and content; names "
                              "and addresses are redacted from other emails; the goodbye email is erased "
                              "once it is sent",
    "newsroom.InboundMessage": "erased: mail the person sent us loses its sender, subject and bytes; what it "
                               "became (a case, its events) follows that app's rules",
    "usersessions.UserSession": "erased: the account's sessions are ended and deleted",
    "mfa.Authenticator": "erased: the account's second factors (TOTP, recovery codes, passkeys) are deleted",
}
# allauth apps the site may install: their rules above apply once they are.
OPTIONAL = {"usersessions.UserSession": "allauth.usersessions", "mfa.Authenticator": "allauth.mfa"}


@dataclass(frozen=True)
class Part:
    name: str
    exporter: Callable | None = None
    eraser: Callable | None = None
    identifies: Callable | None = None
    rules: dict = field(default_factory=dict)


_parts: dict[str, Part] = {}


def register(name: str, *, exporter=None, eraser=None, identifies=None, rules=None) -> None:
    """Add an app's part (call it from your AppConfig.ready()). Parts run in the order they register."""
    _parts[name] = Part(name, exporter, eraser, identifies, dict(rules or {}))


def unregister(name: str) -> None:
    _parts.pop(name, None)


def parts() -> list[Part]:
    return list(_parts.values())


def rules() -> dict[str, str]:
    """Every model's deletion rule, keyed "app_label.ModelName"."""
    table = dict(RULES)
    for part in _parts.values():
        table.update(part.rules)
    return table


# --- Who ----------------------------------------------------------------------------------------


def is_former(user) -> bool:
    """A deleted account's tombstone (shown as "former contributor", never by its username)."""
    return bool(user) and not user.is_active and user.get_username().startswith(TOMBSTONE_PREFIX)


EDITORS_GROUP = "Editors"  # the staff groups: DESIGN.md §3


def is_staff_member(user) -> bool:
    """Any staff role: the admin flag, superuser, or a member of Moderators, Copyright staff or Editors."""
    if user.is_staff or user.is_superuser:
        return True
    groups = {settings.MODERATORS_GROUP, settings.COPYRIGHT_STAFF_GROUP, EDITORS_GROUP}
    return user.groups.filter(name__in=groups).exists()


def may_delete_themselves(user) -> bool:
    """Staff (any staff role) ask an administrator, who runs the same deletion from the admin."""
    return bool(getattr(user, "is_authenticated", False)) and not is_staff_member(user)


def addresses(user) -> set[str]:
    """Every email address of the account, lower-case."""
    from allauth.account.models import EmailAddress

    found = {user.email.strip().lower()} if user.email else set()
    found.update(e.strip().lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    return {a for a in found if a}


# --- Export -------------------------------------------------------------------------------------


def export(user) -> dict:
    """Everything the site holds about `user` that is theirs to see, as JSON-ready data."""
    from allauth.account.models import EmailAddress

    data = {
        "format": FORMAT,
        "site": settings.SITE_URL,
        "exported_at": timezone.now(),
        "account": {
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
            ],
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
    }
    for part in _parts.values():
        if part.exporter is None:
            continue
        for key, value in part.exporter(user).items():
            if key in data:
                raise ValueError(f"privacy part {part.name!r} exports {key!r} twice")
            data[key] = value
    return data


def export_json(user) -> bytes:
    return json.dumps(export(user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode("utf-8")


def export_filename(user, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    return f"newsroom-export-{user.get_username()}-{today:%Y-%m-%d}.json"


# --- Deletion -----------------------------------------------------------------------------------


@dataclass
class Erasure:
    """What a part's eraser gets: the account (still with its old values), and what identified the person."""

    user: object
    emails: frozenset
    names: tuple
    tombstone: str
    by: object = None

    def redact(self, queryset, fields: Iterable[str]) -> int:
        """Replace the person's addresses and names by "[erased]" in text columns (logs included:
        an update, so append-only records keep their rows and everything else they say)."""
        needles = sorted({n for n in (*self.emails, *self.names) if n and len(n) >= 3}, key=len, reverse=True)
        changed = 0
        for name in fields:
            for needle in needles:
                changed += queryset.filter(**{f"{name}__icontains": needle}).update(
                    **{name: Replace(name, Value(needle), Value(REDACTED))}
                )
        return changed


class NotAllowed(Exception):
    pass


def _tombstone_name() -> str:
    User = get_user_model()
    while True:
        name = f"{TOMBSTONE_PREFIX}{secrets.token_hex(4)}"
        if not User.objects.filter(username=name).exists():
            return name


@transaction.atomic
def delete_account(user, *, by=None, language: str = "") -> object:
    """Erase `user`'s personal data, keep what others rely on under an anonymised actor. Returns the tombstone.

    `by` is an administrator acting from the admin; without it the person deletes their own account,
    which staff may not do. `language`: the goodbye email's (the page's). The goodbye email is queued first (the address is still known) and erased
    from the outbox once it is sent.
    """
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    if is_former(user):
        return user
    if by is None and not may_delete_themselves(user):
        raise NotAllowed("staff accounts are deleted by an administrator")
    emails = frozenset(addresses(user))
    # Names copied into text elsewhere (not the username: a short word that other text may contain).
    names = {user.get_full_name(), user.first_name, user.last_name}
    for part in _parts.values():
        if part.identifies is not None:
            names.update(part.identifies(user))
    erasure = Erasure(user=user, emails=emails, names=tuple(sorted(n for n in names if n)),
                      tombstone=_tombstone_name(), by=by)

    goodbye = _goodbye(user, emails, language or settings.LANGUAGE_CODE)
    for part in _parts.values():
        if part.eraser is not None:
            part.eraser(erasure)
    _erase_account(erasure, keep=goodbye)
    logger.info("account %s deleted (%s)", user.pk, "by an administrator" if by else "by its owner")
    return user


def _goodbye(user, emails, language):
    primary = user.email or next(iter(sorted(emails)), "")
    if not primary:
        return None
    return mail.send_on_commit("account_deleted", to=primary, context={}, language=language,
                               headers={mail.FORGET_AFTER_SENDING: "1"})


def _erase_account(erasure: Erasure, *, keep=None):
    from allauth.account.models import EmailAddress
    from django.apps import apps

    user = erasure.user
    user_type = ContentType.objects.get_for_model(user, for_concrete_model=False)
    # The admin's history: entries about this account, and those it wrote, keep their rows.
    entries = LogEntry.objects.filter(content_type=user_type, object_id=str(user.pk))
    entries.update(object_repr=erasure.tombstone)
    erasure.redact(LogEntry.objects.all(), ["object_repr", "change_message"])

    # Mail to the person: recipients and content erased (the goodbye email waits for its delivery).
    to_them = OutboundEmail.objects.annotate(to=Cast("recipients", TextField()))
    for address in erasure.emails:
        rows = to_them.filter(to__icontains=address)
        if keep is not None:
            rows = rows.exclude(pk=keep.pk)
        OutboundEmail.objects.filter(pk__in=rows.values("pk")).update(
            recipients=[], subject=REDACTED, text="", html="", headers={})
    others = OutboundEmail.objects.exclude(pk=keep.pk) if keep is not None else OutboundEmail.objects.all()
    erasure.redact(others, ["subject", "text", "html"])
    # Mail from the person.
    for address in erasure.emails:
        InboundMessage.objects.filter(sender__iexact=address).update(sender="", subject=REDACTED, raw=b"")

    EmailAddress.objects.filter(user=user).delete()  # their confirmations go with them
    if apps.is_installed("allauth.usersessions"):
        from allauth.usersessions.models import UserSession

        for session in UserSession.objects.filter(user=user):
            session.end()
        UserSession.objects.filter(user=user).delete()
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa.models import Authenticator

        Authenticator.objects.filter(user=user).delete()
    _end_sessions(user)

    user.username = erasure.tombstone
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()  # also ends every session still holding the old password's hash
    user.save()
    user.groups.clear()
    user.user_permissions.clear()

    LogEntry.objects.create(
        user=erasure.by if erasure.by is not None else user, content_type=user_type, object_id=str(user.pk),
        object_repr=erasure.tombstone, action_flag=CHANGE,
        change_message="Account deleted: personal data erased" + (" by an administrator" if erasure.by else ""),
    )


def _end_sessions(user):
    """Delete the database sessions of the account (the session table has no user column: decoded)."""
    now = timezone.now()
    doomed = []
    for session in Session.objects.filter(expire_date__gt=now).iterator():
        try:
            data = session.get_decoded()
        except Exception:  # noqa: BLE001 - a session we cannot read belongs to nobody we know
            continue
        if str(data.get("_auth_user_id")) == str(user.pk):
            doomed.append(session.pk)
    Session.objects.filter(pk__in=doomed).delete()
