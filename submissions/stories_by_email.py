"""Mail to SUBMISSIONS_EMAIL → a story: the handler of the `stories` route of newsroom/inbound.py.

A story by email is a guest's story from the web form, read from a mail: the same form
(submissions/forms.py: its rules for title, body, sources, waiting cap, duplicates) and the same
service (services.send_as_guest), in the sender's language:
- subject → title; the text part (an HTML-only mail converted to text by the parser) → the Markdown
  body, rendered and sanitized like every story; its first paragraph → the summary; its links → the
  sources (none: `no_sources`); the first image attachment → the photo, checked and re-encoded like an
  upload (a bad one is left out, and the confirmation email says why); the language guessed from the
  text; the section SUBMISSIONS_EMAIL_CATEGORY (the moderator may change it);
- it waits `unconfirmed` until the sender opens the link emailed to them, as guests do. When the
  sender's address is a confirmed address of an active account, the confirmation files the story under
  that account (services.confirm_guest): a From header proves nothing, the click in that mailbox does,
  so nothing shows in an account before it;
- never a story (rejected, so quarantined with the reason, and never answered): mail from our own
  addresses (a loop), mailing-list and bulk mail, automatic mail (auto-replies, bounces), replies to
  our emails. A person's mail the form would refuse (no subject, too short, the waiting cap, a
  duplicate, a hold) is rejected too, and its sender gets one short explanation in their language,
  at most SUBMISSIONS_EMAIL_REFUSAL_RATE_LIMIT per address.

The inbound table stores the same bytes once; the same Message-ID arriving as other bytes (another
path, other Received headers) is a duplicate here.
"""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parseaddr

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import URLValidator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles import images
from articles.models import Category
from newsroom import inbound, mail, mail_parsing, ratelimit
from newsroom.mail_parsing import ParsedMail
from newsroom.models import InboundMessage, OutboundEmail
from submissions import services
from submissions.forms import SUBMIT, SubmissionForm
from submissions.models import Channel

NEW_STORY = "new story"
SUMMARY_CHARS = 300
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp")
_URL_RE = re.compile(r"https?://[^\s<>()\[\]{}\"'`]+", re.I)
_url = URLValidator(schemes=["http", "https"])
_SIGNATURE_RE = re.compile(r"\n-- \n")  # RFC 3676's signature separator: what follows is not the story
_REPLY_PREFIX_RE = re.compile(r"^\s*(?:(?:re|aw|sv|fwd?|답장|회신|전달)\s*(?:\[\d+\])?\s*[:：]\s*)+", re.I)
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "mailing-list")
_BULK = {"bulk", "list", "junk"}
# The form's words for a field left empty speak of fields; a mail has a subject and a text.
_FOR_MAIL = {
    ("title", "required"): gettext_lazy("Your email has no subject: we use the subject as the story’s title."),
    ("body", "required"): gettext_lazy("Your email has no text: write your story in the body of the email."),
}


def handle_story(message: inbound.Mail) -> inbound.Result:
    earlier = _filed_before(message)
    if earlier is not None:
        return inbound.Result(inbound.Outcome.DUPLICATE, reference=earlier)
    parsed = message.parsed
    _refuse_machines(parsed, message.raw)
    sender = parsed.from_address
    if "@" not in sender:
        raise inbound.Reject("no sender address (From) to confirm the story with")
    category = default_category()
    if category is None:
        raise inbound.Reject("no section (category) exists to file stories by email in: add one, then handle "
                             "this message again")
    language = parsed.language
    name = (parsed.from_name or sender.split("@")[0])[:100]
    with translation.override(language):
        body = story_text(parsed)
        if not parsed.subject.strip() and len(body) < 2:
            raise _refused("garbage: no usable subject or text", sender, name, parsed, language, [
                str(_FOR_MAIL["title", "required"]), str(_FOR_MAIL["body", "required"])])
        photo, notes = _photo(parsed)
        form = SubmissionForm(_form_data(parsed, body, sender, name, category), user=None, action=SUBMIT)
        if not form.is_valid():
            raise _refused("not a story the submission form would take", sender, name, parsed, language,
                           _problems(form))
        account = account_for(sender)
        try:
            limits = settings.SUBMISSION_RATE_LIMITS
            ratelimit.enforce("submission", [("email", sender, *limits["email"])])  # shared with the form
            if account is not None:  # it will be the account's story: its limits count too
                services.check_not_held(contributor=account)
                services.check_waiting_cap(contributor=account)
            content = {**form.content(), "image": photo}
            submission = services.send_as_guest(
                guest_name=form.cleaned_data["guest_name"], guest_email=sender, data=content,
                contact_language=language, channel=Channel.EMAIL, notes=notes,
            )
        except (services.Refused, ratelimit.RateLimited) as refused:
            raise _refused("refused by the submission rules", sender, name, parsed, language,
                           [str(refused.message)]) from None
    return inbound.Result(NEW_STORY, reference=f"submission #{submission.pk}")


# --- Never stories ----------------------------------------------------------------------------


def own_addresses() -> set[str]:
    """Every address of ours: mail from one of them is a loop."""
    values = [settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL]
    return set(inbound.routes()) | {parseaddr(v)[1].lower() for v in values if parseaddr(v)[1]}


def _refuse_machines(parsed: ParsedMail, raw: bytes) -> None:
    """Reject loops, list and bulk mail, automatic mail and replies to our emails: none is a story, none is answered."""
    sender = (parsed.from_address or "").lower()
    if sender and sender in own_addresses():
        raise inbound.Reject(f"a mail loop: sent from our own address {sender}")
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(mail_parsing.strip_mbox_from_line(raw))
    listed = [name for name in _LIST_HEADERS if headers.get(name) is not None]
    precedence = str(headers.get("precedence") or "").strip().lower()
    if listed or precedence in _BULK:
        found = ", ".join(listed) or f"Precedence: {precedence}"
        raise inbound.Reject(f"mailing-list or bulk mail ({found}): not a story, not answered")
    if parsed.auto_submitted:
        auto = str(headers.get("auto-submitted") or "").strip()
        raise inbound.Reject("an automatic message (auto-reply or bounce" + (f", Auto-Submitted: {auto}" if auto else "")
                             + "): not a story, not answered")
    answered = [i for i in (parsed.in_reply_to, *parsed.references) if i]
    if answered and OutboundEmail.objects.filter(message_id__in=answered).exists():
        raise inbound.Reject("a reply to an email we sent (its In-Reply-To/References name it): not a new story")
    prefix = _REPLY_PREFIX_RE.match(parsed.subject)
    if prefix and parsed.subject[prefix.end():].strip().casefold() in _our_subjects():
        raise inbound.Reject(f"a reply to our confirmation email (subject “{parsed.subject}”): not a new story")


def _our_subjects() -> set[str]:
    subjects = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for event in ("submission_confirm", "submission_email_refused"):
                text = render_to_string(f"emails/{event}_subject.txt", {"site_name": settings.SITE_NAME})
                subjects.add(" ".join(text.split()).casefold())
    return subjects


def _filed_before(message: inbound.Mail) -> str | None:
    """What the same Message-ID became when it came as other bytes (other Received headers); None if new.

    Each copy is handled under a lock on its own row; every copy also locks the first copy's row, so a run
    handling another copy at this moment finishes first (no deadlock: the first copy's handler locks no other).
    """
    message_id = message.record.message_id
    if not message_id:
        return None
    copies = InboundMessage.objects.filter(route=message.route, message_id=message_id).exclude(pk=message.record.pk)
    first = copies.order_by("pk").values_list("pk", flat=True).first()
    if first is None:
        return None
    if first < message.record.pk:
        list(InboundMessage.objects.select_for_update().filter(pk=first).values_list("pk", flat=True))
    return copies.filter(status=InboundMessage.Status.HANDLED).values_list("handled_as", flat=True).first()


# --- The story --------------------------------------------------------------------------------


def story_text(parsed: ParsedMail) -> str:
    """The mail's text (HTML-only mail is already text), without the signature."""
    return _SIGNATURE_RE.split(parsed.text.replace("\r\n", "\n"), 1)[0].strip()


def summary_of(body: str) -> str:
    """The first paragraph, as one line of at most SUMMARY_CHARS characters (the form requires a summary)."""
    for paragraph in re.split(r"\n\s*\n", body):
        line = " ".join(paragraph.split()).lstrip("#>*-+ ").strip()
        if line:
            break
    else:
        return ""
    limit = min(SUMMARY_CHARS, settings.SUBMISSION_SUMMARY_MAX_LENGTH)
    if len(line) <= limit:
        return line
    cut = line[:limit - 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return cut.rstrip(" ,.;:") + "…"


def sources_in(text: str) -> list[str]:
    """The web links in the text, one each, as many as the form takes."""
    found = []
    for match in _URL_RE.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        if url in found or len(url) > 500:
            continue
        try:
            _url(url)
        except ValidationError:
            continue
        found.append(url)
    return found[:settings.SUBMISSION_MAX_SOURCES]


def default_category() -> Category | None:
    """SUBMISSIONS_EMAIL_CATEGORY, else the first section in menu order: the same one every time."""
    return (Category.objects.filter(slug=settings.SUBMISSIONS_EMAIL_CATEGORY).first()
            or Category.objects.order_by("position", "name", "pk").first())


def account_for(address: str):
    """The active account that confirmed `address`, or None."""
    found = (EmailAddress.objects.filter(email__iexact=(address or "").strip(), verified=True, user__is_active=True)
             .select_related("user").order_by("-primary", "pk").first())
    return found.user if found is not None else None


def _form_data(parsed: ParsedMail, body: str, sender: str, name: str, category: Category) -> dict:
    sources = sources_in(body)
    return {
        "guest_name": name, "guest_email": sender, "title": parsed.subject, "summary": summary_of(body),
        "body": body, "category": category.pk, "language": parsed.language, "sources": "\n".join(sources),
        "no_sources": not sources,
        # No box was ticked: the confirmation email says that opening its link accepts the rules and
        # confirms the rights (templates/emails/submission_confirm.txt).
        "accept_guidelines": True, "confirm_rights": True,
    }


def _photo(parsed: ParsedMail) -> tuple[images.CleanImage | None, list[str]]:
    """The first image attachment, checked like an upload; a bad one is left out with a note for the sender."""
    for attachment in parsed.attachments:
        if not (attachment.content_type.startswith("image/") or attachment.filename.lower().endswith(IMAGE_EXTENSIONS)):
            continue
        upload = SimpleUploadedFile(attachment.filename or "image", attachment.data, attachment.content_type)
        try:
            return images.clean_upload(upload), []
        except images.InvalidImage as error:
            return None, [_("Your image “%(name)s” was left out: %(problem)s Your story was received without it.")
                          % {"name": attachment.filename, "problem": error}]
    return None, []


# --- Refusals ---------------------------------------------------------------------------------


def _problems(form: SubmissionForm) -> list[str]:
    """The form's errors, in the sender's language, each with the field it is about."""
    problems = []
    for name, errors in form.errors.as_data().items():
        field = form.fields.get(name)
        for error in errors:
            wording = _FOR_MAIL.get((name, error.code))
            message = str(wording) if wording else " ".join(error.messages)
            problems.append(f"{field.label}: {message}" if field is not None and not wording else message)
    return problems


def _refused(why: str, sender: str, name: str, parsed: ParsedMail, language: str,
             problems: list[str]) -> inbound.Reject:
    """Rejected (quarantined, for staff) with one explanation to the person who sent it."""

    def explain():
        limit, window = settings.SUBMISSIONS_EMAIL_REFUSAL_RATE_LIMIT
        try:
            ratelimit.enforce("story_by_email_refused", [("email", sender, limit, window)])
        except ratelimit.RateLimited:
            return
        with translation.override(language):
            form_link = settings.SITE_URL.rstrip("/") + reverse("submissions:submit")
            guidelines_link = settings.SITE_URL.rstrip("/") + reverse("articles:page", args=["guidelines"])
        mail.send_on_commit(
            "submission_email_refused", to=sender, language=language,
            context={"name": name, "subject": parsed.subject, "problems": problems, "form_link": form_link,
                     "guidelines_link": guidelines_link},
            headers={"Auto-Submitted": "auto-replied"},  # RFC 3834: an answer that must not be answered
        )

    return inbound.Reject(f"{why}: " + "; ".join(problems), after=explain)
