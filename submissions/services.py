"""Contributor-side work behind the views: saving and sending stories, checks, history, diffs, flags.

Status changes are not made here: they go through submissions/moderation.py.
"""

import difflib
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import text
from articles.models import Article, Language
from submissions import moderation, notifications, tokens
from submissions.models import (
    QUEUE, Channel, Flag, ModerationEvent, SourceLink, Status, Submission, normalize_title, normalize_url,
)

CONTENT_FIELDS = ("title", "summary", "body", "category", "tags", "language", "sources", "no_sources")
# What a contributor's save writes: never the status, the claim or the review dates, which only
# submissions/moderation.py writes (a whole-row save from a stale copy would put old ones back).
SAVED_FIELDS = (*CONTENT_FIELDS, "translation_of", "contact_language", "image", "image_width", "image_height",
                "updated_at")


class Refused(Exception):
    """A check that stops a submission; `message` is for people."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


# --- Saving and sending ---------------------------------------------------------

def _apply(submission, data, *, contact_language):
    for name in CONTENT_FIELDS:
        if name in data:
            value = data[name]
            if name == "tags":
                value = ", ".join(value)
            elif name == "sources":
                value = "\n".join(value)
            setattr(submission, name, value if value is not None else getattr(submission, name))
    if "translation_of" in data:  # None clears it (unlike the fields above, where None keeps the old value)
        submission.translation_of = data["translation_of"]
    if data.get("sources"):
        submission.no_sources = False
    submission.contact_language = contact_language
    image = data.get("image")
    if image:
        submission.image.save(f"upload.{image.extension}", ContentFile(image.content), save=False)
        submission.image_width, submission.image_height = image.width, image.height


def _sync_sources(submission):
    submission.source_links.all().delete()
    SourceLink.objects.bulk_create(
        SourceLink(submission=submission, url=url[:500], normalized=normalize_url(url)) for url in submission.source_list
    )


@transaction.atomic
def save_draft(*, contributor, data, contact_language, submission=None) -> Submission:
    """Create or update a contributor's working copy without sending it."""
    if not getattr(contributor, "is_authenticated", False):
        raise moderation.NotAllowed()
    if submission is None:
        submission = Submission(contributor=contributor)
        _apply(submission, data, contact_language=contact_language)
        moderation.start(submission)
    else:
        # The row as it is now (a second click or another tab may have sent it meanwhile), held until commit.
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.contributor_id != contributor.pk:
            raise moderation.NotAllowed()
        if not submission.is_editable:
            raise Refused(_("This submission can no longer be edited."))
        _apply(submission, data, contact_language=contact_language)
        submission.save(update_fields=SAVED_FIELDS)
    _sync_sources(submission)
    return submission


@transaction.atomic
def send(*, contributor, data, contact_language, submission=None) -> Submission:
    """Save and send for review: a new draft is submitted, a story with requested changes is resubmitted."""
    check_not_held(contributor=contributor)
    submission = save_draft(contributor=contributor, data=data, contact_language=contact_language, submission=submission)
    if submission.status == Status.CHANGES_REQUESTED:
        moderation.resubmit(submission, by=contributor, note=data.get("note", ""))
    else:
        moderation.submit(submission, by=contributor)
    submission.refresh_from_db()
    return submission


@transaction.atomic
def send_as_guest(*, guest_name, guest_email, data, contact_language, build_uri=None, channel=Channel.WEB,
                  notes=()) -> Submission:
    """A guest's story waits, unconfirmed, until the link emailed to them is clicked.

    `channel` says how it came (a story by email: submissions/stories_by_email.py); `notes` go into the
    confirmation email (what was left out of it, and why).
    """
    check_not_held(guest_email=guest_email)
    submission = Submission(guest_name=guest_name, guest_email=guest_email.strip().lower(), channel=channel)
    _apply(submission, data, contact_language=contact_language)
    moderation.start(submission, guest=True)
    _sync_sources(submission)
    notifications.guest_confirmation(submission, build_uri=build_uri, notes=notes)
    return submission


@transaction.atomic
def resend_as_guest(*, submission, data, contact_language) -> Submission:
    """A guest (who opened their signed link) sends the changes a moderator asked for."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if not submission.is_guest or submission.status != Status.CHANGES_REQUESTED:
        raise Refused(_("This submission can no longer be edited."))
    _apply(submission, data, contact_language=contact_language)
    submission.save(update_fields=SAVED_FIELDS)
    _sync_sources(submission)
    moderation.resubmit(submission, by=None, guest_email=submission.guest_email)
    submission.refresh_from_db()
    return submission


def confirm_guest(token) -> tuple[Submission, bool]:
    """Follow a guest's confirmation link. Returns (submission, newly_confirmed); raises tokens.InvalidToken."""
    pk, email = tokens.load_confirm(token)
    # Only guests have a guest address; a story by email keeps it once filed under the sender's account.
    submission = Submission.objects.filter(pk=pk, guest_email__iexact=email).first()
    if submission is None:
        raise tokens.InvalidToken()
    if submission.status != Status.UNCONFIRMED:
        return submission, False
    account = None
    if submission.channel == Channel.EMAIL:
        from submissions import stories_by_email

        account = stories_by_email.account_for(submission.guest_email)
    try:
        return moderation.confirm_email(submission, contributor=account), True
    except moderation.IllegalTransition:  # confirmed by a parallel click
        submission.refresh_from_db()
        return submission, False


def guest_submission_for(token) -> Submission:
    pk, email = tokens.load_access(token)
    submission = Submission.objects.filter(pk=pk, contributor__isnull=True, guest_email__iexact=email).first()
    if submission is None:
        raise tokens.InvalidToken()
    return submission


# --- Checks ---------------------------------------------------------------------

def waiting_count(*, contributor=None, guest_email="", exclude_pk=None) -> int:
    if contributor is not None:
        waiting = Submission.objects.waiting().filter(contributor=contributor)
    else:
        waiting = Submission.objects.waiting().filter(contributor__isnull=True, guest_email__iexact=guest_email)
    return waiting.exclude(pk=exclude_pk).count()


def check_waiting_cap(*, contributor=None, guest_email="", exclude_pk=None) -> None:
    limit = settings.SUBMISSION_MAX_WAITING
    count = waiting_count(contributor=contributor, guest_email=guest_email, exclude_pk=exclude_pk)
    if count >= limit:
        raise Refused(ngettext(
            "You already have %(count)d story waiting for review (the limit is %(limit)d). "
            "Please wait for a decision before sending another.",
            "You already have %(count)d stories waiting for review (the limit is %(limit)d). "
            "Please wait for a decision before sending another.",
            count,
        ) % {"count": count, "limit": limit})


def _similar(key, candidates, threshold):
    for candidate in candidates:
        if not candidate:
            continue
        shorter, longer = sorted((len(key), len(candidate)))
        if 2 * shorter / (shorter + longer) < threshold:  # the best ratio two strings of these lengths can reach
            continue
        matcher = difflib.SequenceMatcher(None, key, candidate, autojunk=False)
        if matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold:
            return candidate
    return None


def find_duplicate(*, title, sources=(), exclude_pk=None):
    """The message for an existing story with the same source or a near-identical title, else None.

    Bounded: sources are an indexed lookup; titles are compared with the most recent
    SUBMISSION_DUPLICATE_MAX_CANDIDATES submissions and published articles within
    SUBMISSION_DUPLICATE_WINDOW_DAYS (plus an indexed exact match over all time).
    """
    others = Submission.objects.exclude(status__in=(Status.DRAFT, Status.UNCONFIRMED))
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    keys = {normalize_url(url) for url in sources} - {""}
    if keys:
        link = SourceLink.objects.filter(normalized__in=keys, submission__in=others).first()
        if link:
            return _("A story based on this source has already been submitted: %(url)s. "
                     "We do not take the same story twice.") % {"url": link.url}
    key = normalize_title(title)
    if not key:
        return None
    threshold = settings.SUBMISSION_DUPLICATE_TITLE_RATIO
    limit = settings.SUBMISSION_DUPLICATE_MAX_CANDIDATES
    since = timezone.now() - timedelta(days=settings.SUBMISSION_DUPLICATE_WINDOW_DAYS)
    recent_titles = (
        Article.objects.published().filter(published_at__gte=since).order_by("-published_at")
        .values_list("title", flat=True)[:limit]
    )
    for article_title in recent_titles:
        if _similar(key, [normalize_title(article_title)], threshold):
            return _("A story with a nearly identical title has already been published: “%(title)s”.") % {
                "title": article_title
            }
    if others.filter(title_key=key).exists() or _similar(
        key, others.filter(created_at__gte=since).order_by("-created_at").values_list("title_key", flat=True)[:limit],
        threshold,
    ):
        return _("A story with a nearly identical title has already been submitted. "
                 "We do not take the same story twice.")
    return None


# --- What contributors and moderators see ---------------------------------------

def latest_feedback():
    """Subquery: the reason given with the latest decision on a submission."""
    return Subquery(
        ModerationEvent.objects.filter(submission=OuterRef("pk"), to_status__in=moderation.DECISIONS)
        .order_by("-created_at", "-id").values("reason")[:1]
    )


def latest_decision(submission):
    return submission.events.filter(to_status__in=moderation.DECISIONS).order_by("-created_at", "-id").first()


def working_copy_preview(submission) -> dict:
    """The unsent working copy in the shape of a Revision, for previews."""
    return {
        "title": submission.title, "summary": submission.summary, "language": submission.language,
        "category": submission.category, "tag_list": submission.tag_list,
        "body_html": text.render_markdown(submission.body),
    }


def dashboard(user):
    return (
        Submission.objects.owned_by(user).select_related("category", "article")
        .annotate(feedback=latest_feedback(), revision_count=Count("revisions"))
        .order_by("-updated_at", "-id")
    )


def queue(*, status="", language="", category=None):
    """The moderation queue, oldest first."""
    items = Submission.objects.all()
    items = items.filter(status=status) if status else items.in_queue()
    if language:
        items = items.filter(language=language)
    if category:
        items = items.filter(category=category)
    return items.select_related("category", "contributor__profile", "claimed_by").order_by(
        "submitted_at", "created_at", "id"
    )


def queue_counts(*, language="", category=None) -> dict:
    items = Submission.objects.exclude(status=Status.DRAFT)
    if language:
        items = items.filter(language=language)
    if category:
        items = items.filter(category=category)
    counts = items.aggregate(
        **{status.value: Count("pk", filter=Q(status=status)) for status in Status if status != Status.DRAFT}
    )
    counts["queue"] = sum(counts[s] for s in QUEUE)
    return counts


# Who counts strikes: the takedowns app registers its counter in its AppConfig.ready(). Submissions
# does not import takedowns (it is the other way round), so the repeat-infringer policy asks here.
_strike_counters = []


def register_strike_counter(counter) -> None:
    """`counter(user) -> int`: standing strikes of a contributor, added up by contributor_strikes()."""
    if counter not in _strike_counters:
        _strike_counters.append(counter)


def contributor_strikes(user) -> int:
    """Standing copyright takedowns (upheld, counter-noticed or closed) that disabled one of the contributor's
    articles: the repeat-infringer count. A case whose articles were restored no longer counts."""
    return sum(counter(user) for counter in _strike_counters)


def check_not_held(*, contributor=None, guest_email="") -> None:
    """Repeat-infringer policy: at TAKEDOWN_REPEAT_INFRINGER_THRESHOLD standing takedowns, new stories are held.

    Held means refused when sent for review, with this message: drafts are kept and can still be saved, and
    the copyright team can lift the hold (by restoring or dismissing cases). A guest is held when an account
    with their address is.
    """
    from django.contrib.auth import get_user_model

    threshold = settings.TAKEDOWN_REPEAT_INFRINGER_THRESHOLD
    if threshold <= 0:
        return
    if contributor is not None:
        count = contributor_strikes(contributor)
    elif guest_email:
        users = get_user_model().objects.filter(email__iexact=guest_email.strip())
        count = max((contributor_strikes(user) for user in users[:5]), default=0)
    else:
        return
    if count >= threshold:
        raise Refused(_(
            "New stories from this account are on hold: %(count)d copyright notices against your stories have "
            "been upheld (our repeat-infringer policy holds new submissions from %(threshold)d). Your drafts are "
            "kept. To discuss it, write to %(email)s."
        ) % {"count": count, "threshold": threshold, "email": settings.COPYRIGHT_EMAIL})


@dataclass
class History:
    earlier: list
    outcomes: dict
    strikes: int
    total: int = 0


def contributor_history(submission, *, limit=10) -> History:
    """The contributor's other submissions (newest first) and how they ended."""
    if submission.contributor_id:
        others = Submission.objects.filter(contributor_id=submission.contributor_id)
    else:
        others = Submission.objects.filter(contributor__isnull=True, guest_email__iexact=submission.guest_email)
    others = others.exclude(pk=submission.pk).exclude(status__in=(Status.DRAFT, Status.UNCONFIRMED))
    outcomes = {row["status"]: row["n"] for row in others.order_by().values("status").annotate(n=Count("pk"))}
    return History(
        earlier=list(others.select_related("category").order_by("-created_at")[:limit]),
        outcomes={Status(status).label: n for status, n in sorted(outcomes.items())},
        strikes=contributor_strikes(submission.contributor) if submission.contributor_id else 0,
        total=sum(outcomes.values()),
    )


@dataclass
class DiffRow:
    kind: str  # equal | delete | insert | skip
    segments: list = field(default_factory=list)  # [(changed, text)]


@dataclass
class FieldDiff:
    label: str
    rows: list
    whole: bool = False  # too long to compare word by word: the old and the new text, shown whole


class _TooLong(Exception):
    pass


_TOKENS = re.compile(r"\s+|[^\s]+")
CONTEXT_LINES = 2


def _words(old, new, budget):
    """Word-level segments of a changed line pair: ([(changed, text)], [(changed, text)]).

    SequenceMatcher's time grows with the product of the two lengths, so each pair spends tokens from `budget`
    (a one-item list, shared by the field) and _TooLong is raised once it is spent.
    """
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    budget[0] -= len(a) + len(b)
    if budget[0] < 0:
        raise _TooLong
    old_segments, new_segments = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            old_segments.append((op != "equal", "".join(a[i1:i2])))
        if j2 > j1:
            new_segments.append((op != "equal", "".join(b[j1:j2])))
    return old_segments, new_segments


def _line_rows(old_text, new_text):
    a, b = old_text.splitlines(), new_text.splitlines()
    budget = [settings.REVISION_DIFF_MAX_TOKENS]
    if len(a) + len(b) > budget[0]:
        raise _TooLong
    rows = []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            lines = a[i1:i2]
            head = lines[:CONTEXT_LINES] if index > 0 else []
            tail = lines[-CONTEXT_LINES:] if index < len(opcodes) - 1 else []
            if len(head) + len(tail) >= len(lines):
                head, tail = lines, []
            rows += [DiffRow("equal", [(False, line)]) for line in head]
            if len(head) + len(tail) < len(lines):
                rows.append(DiffRow("skip"))
            rows += [DiffRow("equal", [(False, line)]) for line in tail]
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            old_segments, new_segments = _words(a[i1 + k], b[j1 + k], budget)
            rows.append(DiffRow("delete", old_segments))
            rows.append(DiffRow("insert", new_segments))
        rows += [DiffRow("delete", [(True, line)]) for line in a[i1 + pairs:i2]]
        rows += [DiffRow("insert", [(True, line)]) for line in b[j1 + pairs:j2]]
    return rows


def _diff_value(revision, name):
    if name == "category":
        return revision.category.display_name if revision.category_id else ""
    if name == "language":
        return str(Language(revision.language).label)
    if name == "no_sources":
        return str(_("Relies on no outside source")) if revision.no_sources else ""
    if name == "image":
        return revision.image.name.rsplit("/", 1)[-1] if revision.image else ""
    return getattr(revision, name) or ""


DIFF_FIELDS = (
    ("title", _("Title")), ("summary", _("Summary")), ("category", _("Category")), ("language", _("Language")),
    ("tags", _("Tags")), ("sources", _("Sources")), ("no_sources", _("No outside source")), ("image", _("Image")),
    ("body", _("Body")),
)


def revision_diff(old, new) -> list[FieldDiff]:
    """What changed from revision `old` to `new`, field by field, as plain text rows (escaped by templates)."""
    changes = []
    for name, label in DIFF_FIELDS:
        before, after = _diff_value(old, name), _diff_value(new, name)
        if before != after:
            try:
                changes.append(FieldDiff(label=label, rows=_line_rows(before, after)))
            except _TooLong:
                rows = [DiffRow(kind, [(False, value)]) for kind, value in (("delete", before), ("insert", after)) if value]
                changes.append(FieldDiff(label=label, rows=rows, whole=True))
    return changes


# --- Reader flags ---------------------------------------------------------------

def flag_article(*, article, reason, note="", reporter=None) -> Flag:
    return Flag.objects.create(
        article=article, reason=reason, note=(note or "").strip(),
        reporter=reporter if getattr(reporter, "is_authenticated", False) else None,
    )


def open_flags():
    return Flag.objects.filter(resolved_at__isnull=True).select_related("article").order_by("created_at", "id")
