"""The TakedownCase workflow: the only code that changes `TakedownCase.status`.

    received     → needs_info | under_review | dismissed
    needs_info   → under_review | dismissed        (→ under_review by itself when the complainant answers)
    under_review → upheld | dismissed | needs_info (staff ask for more before deciding)
    upheld       → counter_noticed | restored | closed
    counter_noticed → restored | closed            (restored by itself after the waiting period,
                                                    unless staff record that the complainant went to court)
    dismissed, restored, closed: final

A case is opened in `received`; a notice that lacks elements of a valid notice moves at once to
`needs_info`, and the sender is asked for what is missing. Upholding disables the linked articles
(through articles.publishing, the only code that changes an article's status) and tells their
authors why and how to file a counter-notice; restoring brings back the articles this case
disabled, unless another standing case still holds one. `upheld → restored` is for a notice
withdrawn or upheld by mistake; `closed` ends a case with its articles still disabled (no
counter-notice came, or the court decided for the complainant).

Every action is atomic, refuses a move from the wrong status, and writes an append-only
TakedownEvent (so does every email sent or received, note and court action). Emails go out
after commit (submissions/takedowns/notifications.py).
"""

import functools
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from articles import publishing
from articles.models import Article, SlugRedirect
from submissions import roles
from submissions.takedowns import notifications
from submissions.takedowns.models import (
    TAKEDOWN_OPEN,
    TAKEDOWN_STANDING,
    CounterNotice,
    TakedownCase,
    TakedownCaseArticle,
    TakedownCounter,
    TakedownEvent,
    TakedownMessage,
    TakedownStatus,
)

Status = TakedownStatus
Kind = TakedownEvent.Kind

ALLOWED = {
    Status.RECEIVED: {Status.NEEDS_INFO, Status.UNDER_REVIEW, Status.DISMISSED},
    Status.NEEDS_INFO: {Status.UNDER_REVIEW, Status.DISMISSED},
    Status.UNDER_REVIEW: {Status.NEEDS_INFO, Status.UPHELD, Status.DISMISSED},
    Status.UPHELD: {Status.COUNTER_NOTICED, Status.RESTORED, Status.CLOSED},
    Status.COUNTER_NOTICED: {Status.RESTORED, Status.CLOSED},
    Status.DISMISSED: set(),
    Status.RESTORED: set(),
    Status.CLOSED: set(),
}
FINAL = (Status.DISMISSED, Status.RESTORED, Status.CLOSED)

# The elements of a valid notice (DMCA §512(c)(3); 저작권법 §103), named as submissions.takedowns.mail_parsing names them.
ELEMENT_LABELS = {
    "work_identified": _("Identification of the copyrighted work"),
    "infringing_url": _("The address (URL) of each article on this site that you say infringes"),
    "contact_details": _("Your contact details: postal address and phone number"),
    "good_faith_statement": _("A statement that you believe in good faith that the use is not authorised "
                              "by the copyright owner, its agent or the law"),
    "accuracy_statement": _("A statement, under penalty of perjury, that the notice is accurate and that you "
                            "are the owner or authorised to act for the owner"),
    "signature": _("Your physical or electronic signature (for example “/s/ your full name”)"),
}

# The timeline texts the workflow writes itself. They are stored in English, whatever the language of the
# request that wrote them, and translated when shown (timeline_text): staff and authors read a case in
# their own language.
NOTICE_LACKS = _("The notice lacks: %(missing)s")
NO_ACK_THROTTLED = _("No acknowledgement sent: the address is one of our own, or it "
                     "has had too many automatic emails from us in a short while.")
NO_ACK_NO_ADDRESS = _("No acknowledgement sent: the notice gives no email address.")
NO_ACK_OWN_ADDRESS = _("No acknowledgement sent: the notice came from one of our own addresses.")
ANSWER_ARRIVED = _("An answer arrived by email: the case is back under review.")
HELD_FOR_STAFF = _("Held for staff: the sender is not the complainant, so this email linked no article "
                   "and changed nothing on the case.")
RESTORED_AFTER_WAITING = _("The waiting period after the counter-notice ended without court action.")
RESTORED_BY_STAFF = _("Restored by copyright staff.")
COUNTER_NOTICE_FILED = _("Counter-notice filed by the author.")
COUNTER_NOTICE_RECORDED = _("Counter-notice recorded by staff.")
SYSTEM_TEXTS = (NO_ACK_THROTTLED, NO_ACK_NO_ADDRESS, NO_ACK_OWN_ADDRESS, ANSWER_ARRIVED, HELD_FOR_STAFF,
                RESTORED_AFTER_WAITING,
                RESTORED_BY_STAFF, COUNTER_NOTICE_FILED, COUNTER_NOTICE_RECORDED, *ELEMENT_LABELS.values())


class TakedownError(Exception):
    """A refused action; `message` is for people."""

    message = _("This action is not possible right now.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class IllegalTransition(TakedownError):
    def __init__(self, case, to_status):
        self.case = case
        self.from_status = case.status
        self.to_status = to_status
        super().__init__(
            _("Case %(reference)s is “%(status)s” and cannot be moved to “%(to)s”.")
            % {"reference": case.reference, "status": Status(case.status).label, "to": Status(to_status).label}
        )


class NotAllowed(TakedownError):
    message = _("You are not allowed to do this.")


class ReasonRequired(TakedownError):
    message = _("Give a reason: it is sent with the decision and kept on the timeline.")


class NoArticles(TakedownError):
    message = _("Link at least one article to the case before upholding it.")


def is_copyright_staff(user) -> bool:
    return roles.has_role(user, settings.COPYRIGHT_STAFF_GROUP)


def _check_staff(user):
    if not is_copyright_staff(user):
        raise NotAllowed(_("Only copyright staff can do this."))


def _require_reason(reason, error=ReasonRequired):
    if not (reason or "").strip():
        raise error()
    return reason.strip()


def _actor(by):
    return by if getattr(by, "pk", None) else None


def _locked(case) -> TakedownCase:
    return TakedownCase.objects.select_for_update().get(pk=case.pk)


def _stored(reason) -> str:
    with translation.override("en"):
        return str(reason or "").strip()


@functools.cache
def _texts_written_in(language) -> tuple[dict, str]:
    """Our timeline texts as written in `language` (→ their translatable form), and how NOTICE_LACKS begins."""
    with translation.override(language):
        return {str(text): text for text in SYSTEM_TEXTS}, str(NOTICE_LACKS).partition("%(missing)s")[0]


def timeline_text(reason: str) -> str:
    """A timeline entry's text in the active language when the workflow wrote it; people's words as written.

    Entries written before texts were stored in English may be in Korean: those are recognised too.
    """
    for language in ("en", "ko"):
        known, lacks = _texts_written_in(language)
        if reason in known:
            return str(known[reason])
        if lacks and reason.startswith(lacks):
            labels = reason[len(lacks):].split("; ")
            if all(label in known for label in labels):
                return NOTICE_LACKS % {"missing": "; ".join(str(known[label]) for label in labels)}
    return reason


def _log(case, kind, *, by=None, reason="", message=None, now=None) -> TakedownEvent:
    """A timeline entry that is not a status move (the status is written as it stands)."""
    return TakedownEvent.objects.create(
        case=case, kind=kind, actor=_actor(by), from_status=case.status, to_status=case.status,
        reason=_stored(reason), message=message, created_at=now or timezone.now(),
    )


def _move(case, to_status, *, by, reason="", now=None, **fields) -> TakedownEvent:
    """Refuse an illegal move, apply a legal one with a conditional UPDATE, and log it."""
    from_status = case.status
    if to_status not in ALLOWED.get(from_status, set()):
        raise IllegalTransition(case, to_status)
    now = now or timezone.now()
    updated = TakedownCase.objects.filter(pk=case.pk, status=from_status).update(
        status=to_status, updated_at=now, **fields
    )
    if updated != 1:  # moved by someone else between our read and our write
        raise IllegalTransition(case, to_status)
    for name, value in fields.items():
        setattr(case, name, value)
    case.status = to_status
    case.updated_at = now
    return TakedownEvent.objects.create(
        case=case, kind=Kind.STATUS, actor=_actor(by), from_status=from_status, to_status=to_status,
        reason=_stored(reason), created_at=now,
    )


def business_days_after(start: datetime, days: int, *, holidays=None) -> datetime:
    """`start` moved `days` business days on (Monday to Friday, minus TAKEDOWN_HOLIDAYS), same time of day."""
    skipped = {date.fromisoformat(str(d)) for d in (settings.TAKEDOWN_HOLIDAYS if holidays is None else holidays)}
    current, counted = timezone.localtime(start), 0
    while counted < days:
        current += timedelta(days=1)
        if current.weekday() < 5 and current.date() not in skipped:
            counted += 1
    return current


def missing_labels(names) -> list:
    return [ELEMENT_LABELS.get(name, name) for name in names]


# --- Opening a case -------------------------------------------------------------------------


def articles_by_slug(slugs) -> dict:
    """slug → Article for the slugs of articles readers may have seen (old slugs of moved articles too)."""
    slugs = [slug for slug in dict.fromkeys(slugs) if slug][:100]
    found = {a.slug: a for a in Article.objects.filter(slug__in=slugs, status__in=publishing.ONCE_PUBLIC)}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        for moved in SlugRedirect.objects.filter(old_slug__in=missing).select_related("article"):
            if moved.article.status in publishing.ONCE_PUBLIC:
                found[moved.old_slug] = moved.article
    return found


def _next_number(year: int) -> int:
    """The year's next case number. The counter row stays locked until the transaction ends, so
    two cases opened at once never share a number (and the unique constraint would refuse it)."""
    TakedownCounter.objects.get_or_create(year=year)
    TakedownCounter.objects.filter(year=year).update(last=F("last") + 1)
    return TakedownCounter.objects.values_list("last", flat=True).get(year=year)


def _link(case, links, *, by=None, now=None) -> list:
    """Link (article, reported url) pairs not linked yet; log the new ones."""
    existing = set(case.case_articles.values_list("article_id", flat=True))
    added = []
    for article, url in links:
        if article.pk in existing:
            continue
        existing.add(article.pk)
        TakedownCaseArticle.objects.create(case=case, article=article, url=(url or "")[:500],
                                           added_at=now or timezone.now())
        added.append(article)
    if added:
        _log(case, Kind.ARTICLES, by=by, now=now, reason="\n".join(f"{a.title} ({a.slug})" for a in added))
    return added


@transaction.atomic
def open_case(*, source, language="en", complainant_name="", complainant_organisation="", complainant_address="",
              complainant_email="", complainant_phone="", forwarded_from="", work_description="", reported_urls=(),
              links=(), good_faith_statement=False, accuracy_statement=False, signature="", missing=(),
              message: TakedownMessage | None = None, notify=True, quiet_reason="", now: datetime | None = None,
              build_uri=None) -> TakedownCase:
    """Open a case for a notice (web form or email) and acknowledge it.

    `links` are (article, reported url) pairs; `missing` names the elements of a valid notice it
    lacks (it then waits in `needs_info` and the sender is told what is missing); `message` is
    the email it came in (unsaved: saved here, so a duplicate Message-ID rolls the whole case
    back). `notify=False` opens it silently (automatic mail, or mail from our own address), with
    `quiet_reason` on the timeline.
    """
    now = now or timezone.now()
    year = timezone.localtime(now).year
    number = _next_number(year)
    case = TakedownCase.objects.create(
        reference=TakedownCase.make_reference(year, number), year=year, number=number,
        status=Status.RECEIVED, source=source, language=language if language in ("en", "ko") else "en",
        complainant_name=complainant_name[:200], complainant_organisation=complainant_organisation[:200],
        complainant_address=complainant_address, complainant_email=(complainant_email or "")[:254].lower(),
        complainant_phone=complainant_phone[:50], forwarded_from=(forwarded_from or "")[:254],
        work_description=work_description, reported_urls="\n".join(reported_urls),
        good_faith_statement=good_faith_statement, accuracy_statement=accuracy_statement, signature=signature[:200],
        missing_elements=list(missing), received_at=now,
    )
    if message is not None:
        message.case = case
        message.save()
    TakedownEvent.objects.create(case=case, kind=Kind.STATUS, from_status="", to_status=Status.RECEIVED,
                                 message=message, created_at=now)
    _link(case, links, now=now)
    if missing:
        with translation.override("en"):
            lacks = NOTICE_LACKS % {"missing": "; ".join(str(m) for m in missing_labels(missing))}
        _move(case, Status.NEEDS_INFO, by=None, now=now, reason=lacks)
    if notify and case.complainant_email:
        if missing:
            sent = notifications.takedown_needs_info(case, missing=missing_labels(missing), first=True,
                                                     build_uri=build_uri)
        else:
            sent = notifications.takedown_received(case, build_uri=build_uri)
        if sent is None:
            _log(case, Kind.NOTE, now=now, reason=NO_ACK_THROTTLED)
    elif quiet_reason or not case.complainant_email:
        _log(case, Kind.NOTE, now=now, reason=quiet_reason or NO_ACK_NO_ADDRESS)
    return case


@transaction.atomic
def receive_message(case, *, message: TakedownMessage, links=(), held=False,
                    now: datetime | None = None) -> TakedownMessage:
    """An email about an existing case (a reply, a bounce): kept on the timeline; new article links are added
    while the case is open; a person's answer to a request for information puts the case back under review.

    A `held` email (not from the complainant: the intake decides) is only kept on the timeline, for staff.
    """
    now = now or timezone.now()
    locked = _locked(case)
    message.case = locked
    message.held = held
    message.save()
    _log(locked, Kind.EMAIL_IN, message=message, now=now, reason=HELD_FOR_STAFF if held else "")
    if held:
        return message
    if locked.status in TAKEDOWN_OPEN:
        _link(locked, links, now=now)
    if locked.status == Status.NEEDS_INFO and not message.auto_submitted:
        _move(locked, Status.UNDER_REVIEW, by=None, now=now,
              reason=ANSWER_ARRIVED)
    return message


# --- Staff -----------------------------------------------------------------------------------


@transaction.atomic
def start_review(case, *, by, now: datetime | None = None) -> TakedownCase:
    _check_staff(by)
    locked = _locked(case)
    _move(locked, Status.UNDER_REVIEW, by=by, now=now)
    return locked


@transaction.atomic
def request_info(case, *, by, message: str, missing=(), now: datetime | None = None, build_uri=None) -> TakedownCase:
    """Ask the complainant for what the notice lacks; the message is sent to them."""
    _check_staff(by)
    message = _require_reason(message, lambda: ReasonRequired(_("Write what you need from the complainant.")))
    locked = _locked(case)
    _move(locked, Status.NEEDS_INFO, by=by, reason=message, now=now)
    notifications.takedown_needs_info(locked, missing=missing_labels(missing), message=message, by=by,
                                      build_uri=build_uri)
    return locked


@transaction.atomic
def uphold(case, *, by, reason: str, now: datetime | None = None, build_uri=None) -> TakedownCase:
    """Accept the notice: every linked, published article is disabled (HTTP 451), its author told why."""
    _check_staff(by)
    reason = _require_reason(reason)
    now = now or timezone.now()
    locked = _locked(case)
    if locked.status != Status.UNDER_REVIEW:
        raise IllegalTransition(locked, Status.UPHELD)
    links = list(locked.case_articles.select_related("article__author__profile", "article__submission"))
    if not links:
        raise NoArticles()
    _move(locked, Status.UPHELD, by=by, reason=reason, now=now, decided_at=now)
    disabled = []
    for link in links:
        if link.article.status == Article.Status.DISABLED:
            # Already disabled (by another case): this case holds it down too, so restoring
            # the other case alone does not bring it back.
            TakedownCaseArticle.objects.filter(pk=link.pk).update(disabled=True)
            continue
        if link.article.status != Article.Status.PUBLISHED:
            continue  # a draft or a withdrawn story: nothing to disable
        publishing.disable(link.article, by=_actor(by), reason=f"{locked.reference}: {reason}")
        TakedownCaseArticle.objects.filter(pk=link.pk).update(disabled=True)
        link.article.status = Article.Status.DISABLED
        disabled.append(link.article)
    notifications.takedown_upheld(locked, articles=disabled, by=by)
    by_author = defaultdict(list)
    for article in disabled:
        by_author[article.author].append(article)
    for author, articles in by_author.items():
        notifications.takedown_disabled_for_contributor(locked, author=author, articles=articles, reason=reason,
                                                        by=by, build_uri=build_uri)
    return locked


@transaction.atomic
def dismiss(case, *, by, reason: str, now: datetime | None = None, build_uri=None) -> TakedownCase:
    _check_staff(by)
    reason = _require_reason(reason)
    now = now or timezone.now()
    locked = _locked(case)
    _move(locked, Status.DISMISSED, by=by, reason=reason, now=now, decided_at=now)
    notifications.takedown_dismissed(locked, reason=reason, by=by)
    return locked


@transaction.atomic
def restore(case, *, by, reason: str = "", now: datetime | None = None, build_uri=None) -> TakedownCase:
    """Bring back the articles this case disabled (by=None: the automatic restore after a counter-notice).

    An article another standing case also disabled stays disabled.
    """
    if by is not None:
        _check_staff(by)
    locked = _locked(case)
    automatic = by is None
    default = RESTORED_AFTER_WAITING if automatic else RESTORED_BY_STAFF
    _move(locked, Status.RESTORED, by=by, reason=(reason or "").strip() or default, now=now)
    restored = []
    for link in locked.case_articles.filter(disabled=True).select_related("article__author__profile",
                                                                          "article__submission"):
        article = link.article
        if article.status != Article.Status.DISABLED:
            continue
        held_elsewhere = TakedownCaseArticle.objects.filter(
            article=article, disabled=True, case__status__in=TAKEDOWN_STANDING,
        ).exclude(case=locked).exists()
        if held_elsewhere:
            continue
        publishing.restore(article, by=_actor(by), reason=f"{locked.reference}: {reason or default}")
        article.status = Article.Status.PUBLISHED
        restored.append(article)
    notifications.takedown_restored(locked, articles=restored, automatic=automatic, by=by)
    by_author = defaultdict(list)
    for article in restored:
        by_author[article.author].append(article)
    for author, articles in by_author.items():
        notifications.takedown_restored_for_contributor(locked, author=author, articles=articles, by=by,
                                                        build_uri=build_uri)
    return locked


@transaction.atomic
def close(case, *, by, reason: str = "", now: datetime | None = None) -> TakedownCase:
    """End an upheld (or counter-noticed) case; its articles stay disabled."""
    _check_staff(by)
    locked = _locked(case)
    _move(locked, Status.CLOSED, by=by, reason=reason, now=now)
    return locked


@transaction.atomic
def record_court_action(case, *, by, reason: str = "", now: datetime | None = None) -> TakedownCase:
    """The complainant told us they went to court: the automatic restore is off. Staff restore or close later."""
    _check_staff(by)
    locked = _locked(case)
    if locked.status != Status.COUNTER_NOTICED or locked.court_action:
        raise TakedownError(_("Court action can be recorded once, on a case with a counter-notice."))
    TakedownCase.objects.filter(pk=locked.pk).update(court_action=True, updated_at=timezone.now())
    locked.court_action = True
    _log(locked, Kind.COURT, by=by, reason=reason, now=now)
    return locked


@transaction.atomic
def reply(case, *, by, message: str, build_uri=None) -> TakedownMessage:
    """A free answer to the complainant, sent in their language's frame and kept on the timeline."""
    _check_staff(by)
    message = _require_reason(message, lambda: ReasonRequired(_("Write the message to send.")))
    locked = _locked(case)
    if not locked.complainant_email:
        raise TakedownError(_("This case has no email address to answer."))
    sent = notifications.takedown_reply(locked, message=message, by=by)
    if sent is None:
        raise TakedownError(_("No email was sent: the address is one of our own."))
    return sent


@transaction.atomic
def add_note(case, *, by, note: str) -> TakedownEvent:
    _check_staff(by)
    note = _require_reason(note, lambda: ReasonRequired(_("Write the note.")))
    return _log(_locked(case), Kind.NOTE, by=by, reason=note)


@transaction.atomic
def link_articles(case, *, by, links) -> list:
    """Add articles to an open case (staff found another copy, or the complainant named it later)."""
    _check_staff(by)
    locked = _locked(case)
    if locked.status not in TAKEDOWN_OPEN:
        raise TakedownError(_("Articles can be added only before the case is decided."))
    return _link(locked, links, by=by)


# --- Counter-notices ---------------------------------------------------------------------------


def counter_notice_articles(case, user):
    """The user's articles this case disabled (empty: they may not file a counter-notice)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [link.article for link in case.case_articles.filter(disabled=True, article__author=user)
            .select_related("article")]


def _deadline(now):
    return business_days_after(now, settings.TAKEDOWN_COUNTER_NOTICE_BUSINESS_DAYS)


COUNTER_NOTICE_FIELDS = ("material", "explanation", "name", "address", "phone", "email", "signature")


@transaction.atomic
def file_counter_notice(case, *, by, material: str, name: str, address: str, phone: str, signature: str,
                        mistake_statement: bool, jurisdiction_consent: bool, email: str = "", explanation: str = "",
                        language: str = "en", now: datetime | None = None, build_uri=None) -> CounterNotice:
    """The author of a disabled article disputes the notice. It is forwarded to the complainant; the articles
    come back after TAKEDOWN_COUNTER_NOTICE_BUSINESS_DAYS business days unless the complainant goes to court."""
    locked = _locked(case)
    if not counter_notice_articles(locked, by):
        raise NotAllowed(_("Only the author of a disabled article can file a counter-notice."))
    if locked.status != Status.UPHELD:
        raise IllegalTransition(locked, Status.COUNTER_NOTICED)
    values = {"material": material, "name": name, "address": address, "phone": phone, "signature": signature}
    if not all((v or "").strip() for v in values.values()) or not (mistake_statement and jurisdiction_consent):
        raise TakedownError(_("A counter-notice needs every element: the material, both statements, your name, "
                              "address, phone number and signature."))
    now = now or timezone.now()
    notice = CounterNotice.objects.create(
        case=locked, filed_by=by, material=material.strip(), explanation=(explanation or "").strip(),
        mistake_statement=True, name=name.strip()[:200], address=address.strip(), phone=phone.strip()[:50],
        email=(email or by.email or "").strip()[:254], jurisdiction_consent=True, signature=signature.strip()[:200],
        language=language if language in ("en", "ko") else "en", filed_at=now,
    )
    _move(locked, Status.COUNTER_NOTICED, by=by, now=now, restore_after=_deadline(now),
          reason=COUNTER_NOTICE_FILED)
    notifications.takedown_counter_notice(locked, counter_notice=notice, by=by)
    return notice


@transaction.atomic
def record_counter_notice(case, *, by, text: str, now: datetime | None = None) -> CounterNotice:
    """Staff record a counter-notice that arrived by post or email; it is forwarded like a filed one."""
    _check_staff(by)
    text = _require_reason(text, lambda: ReasonRequired(_("Paste or summarise the counter-notice.")))
    locked = _locked(case)
    if locked.status != Status.UPHELD:
        raise IllegalTransition(locked, Status.COUNTER_NOTICED)
    now = now or timezone.now()
    notice = CounterNotice.objects.create(case=locked, recorded_by=by, text=text, language=locked.language,
                                          filed_at=now)
    _move(locked, Status.COUNTER_NOTICED, by=by, now=now, restore_after=_deadline(now),
          reason=COUNTER_NOTICE_RECORDED)
    notifications.takedown_counter_notice(locked, counter_notice=notice, by=by)
    return notice


def restore_due(*, now: datetime | None = None) -> int:
    """Restore every counter-noticed case whose waiting period is over and that went to no court.

    Idempotent and cheap when there is nothing to do; safe to run from cron, a task, or twice at once.
    """
    now = now or timezone.now()
    due = TakedownCase.objects.filter(
        status=Status.COUNTER_NOTICED, court_action=False, restore_after__lte=now,
    ).order_by("restore_after").values_list("pk", flat=True)
    restored = 0
    for pk in list(due[:500]):
        try:
            with transaction.atomic():
                case = TakedownCase.objects.select_for_update().get(pk=pk)
                if case.status != Status.COUNTER_NOTICED or case.court_action or case.restore_after > now:
                    continue
                restore(case, by=None, now=now)
        except IllegalTransition:
            continue  # another run got there first
        restored += 1
    return restored


# --- Who is counted -----------------------------------------------------------------------------


def strikes(user) -> int:
    """Standing takedowns (upheld, counter-noticed or closed) that disabled one of the user's articles."""
    if user is None or not getattr(user, "pk", None):
        return 0
    return TakedownCase.objects.filter(status__in=TAKEDOWN_STANDING).against(user).count()


# --- Public statistics ----------------------------------------------------------------------------


def monthly_statistics(*, months: int = 24, now: datetime | None = None) -> list[dict]:
    """Notices received, upheld, dismissed and restored per month, newest first: counts only, no personal data.

    Two aggregate queries, whatever the number of cases. Months before the first notice are left out.
    """
    now = timezone.localtime(now or timezone.now())
    year, month = now.year, now.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    start = now.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
    received = (TakedownCase.objects.filter(received_at__gte=start).annotate(month=TruncMonth("received_at"))
                .values("month").annotate(n=Count("pk")).order_by())
    decisions = (
        TakedownEvent.objects.filter(kind=Kind.STATUS, created_at__gte=start,
                                     to_status__in=(Status.UPHELD, Status.DISMISSED, Status.RESTORED))
        .annotate(month=TruncMonth("created_at")).values("month")
        .annotate(upheld=Count("pk", filter=Q(to_status=Status.UPHELD)),
                  dismissed=Count("pk", filter=Q(to_status=Status.DISMISSED)),
                  restored=Count("pk", filter=Q(to_status=Status.RESTORED)))
        .order_by()
    )
    table = {}

    def row(moment):
        key = timezone.localtime(moment).date().replace(day=1) if timezone.is_aware(moment) else moment.date()
        return table.setdefault(key, {"month": key, "received": 0, "upheld": 0, "dismissed": 0, "restored": 0})

    for item in received:
        row(item["month"])["received"] += item["n"]
    for item in decisions:
        counts = row(item["month"])
        for name in ("upheld", "dismissed", "restored"):
            counts[name] += item[name]
    if not table:
        return []
    first = min(table)
    rows, cursor = [], now.date().replace(day=1)
    while cursor >= first:
        rows.append(table.get(cursor, {"month": cursor, "received": 0, "upheld": 0, "dismissed": 0, "restored": 0}))
        cursor = (cursor - timedelta(days=1)).replace(day=1)
    return rows
