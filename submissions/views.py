"""Thin views: forms validate, services and the moderation workflow do the work."""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from articles import text
from articles.models import Article, Category, Language
from newsroom import ratelimit, two_factor
from submissions import moderation, services, tokens
from submissions.forms import DRAFT, PREVIEW, SUBMIT, AppealForm, FlagForm, ResolveFlagForm, ReviewForm, SubmissionForm
from submissions.models import Flag, Status, Submission

GUEST_SESSION_KEY = "guest_submissions"
DECIDED = (Status.APPROVED, Status.CHANGES_REQUESTED, Status.REJECTED, Status.APPEALED)
QUEUE_PAGE_SIZE = 50


def _language():
    language = get_language()
    return language if language in Language.values else settings.LANGUAGE_CODE


def _submission_limits(request, form):
    limits = settings.SUBMISSION_RATE_LIMITS
    user = request.user if request.user.is_authenticated else None
    email = user.email if user else form.contact_email
    ratelimit.enforce("submission", [
        ("account", str(user.pk) if user else "", *limits["account"]),
        ("email", email, *limits["email"]),
        ("ip", ratelimit.client_ip(request), *limits["ip"]),
    ])


def _preview_limits(request):
    limits = settings.MARKDOWN_PREVIEW_RATE_LIMITS
    ratelimit.enforce("preview", [
        ("account", str(request.user.pk) if request.user.is_authenticated else "", *limits["account"]),
        ("ip", ratelimit.client_ip(request), *limits["ip"]),
    ])


def _preview(request):
    body = request.POST.get("body", "")[: settings.SUBMISSION_BODY_MAX_LENGTH]
    return {
        "problem": text.markdown_problem(body),
        "title": " ".join(request.POST.get("title", "").split())[: settings.SUBMISSION_TITLE_MAX_LENGTH],
        "summary": " ".join(request.POST.get("summary", "").split())[: settings.SUBMISSION_SUMMARY_MAX_LENGTH],
        "body_html": text.render_markdown(body),
        "category": Category.objects.filter(pk=request.POST.get("category") or None).first()
        if (request.POST.get("category") or "").isdigit() else None,
        "language": request.POST.get("language") if request.POST.get("language") in Language.values else _language(),
        "tag_list": [t.strip().lstrip("#") for t in request.POST.get("tags", "").split(",") if t.strip()][
            : settings.SUBMISSION_MAX_TAGS
        ],
    }


def _handle_story_form(request, *, submission=None):
    """The submission form, new or edited: preview, save a draft, or send for review."""
    action = request.POST.get("action") if request.method == "POST" else SUBMIT
    action = action if action in (SUBMIT, DRAFT, PREVIEW) else SUBMIT
    if action == PREVIEW:  # show the story and keep what was typed; the checks wait for sending
        form = SubmissionForm(user=request.user, submission=submission, initial={
            name: value for name, value in request.POST.items() if name not in ("csrfmiddlewaretoken", "action", "website")
        })
    else:
        bound = request.method == "POST"
        form = SubmissionForm(request.POST if bound else None, request.FILES if bound else None,
                              user=request.user, submission=submission, action=action)
    context = {"form": form, "submission": submission, "is_guest": not request.user.is_authenticated}
    if submission is not None and submission.status == Status.CHANGES_REQUESTED:
        context["feedback"] = services.latest_decision(submission)

    def form_page(status=200):
        if request.method == "POST":  # the page comes back: the photo already chosen stays chosen
            form.keep_photo(request.FILES.get("image") if action == PREVIEW else None)
        return render(request, "submissions/submission_form.html", context, status=status)

    if request.method != "POST":
        return form_page()
    if action == PREVIEW:
        try:
            _preview_limits(request)
        except ratelimit.RateLimited as error:
            context["preview_refused"] = error.message
            response = form_page(429)
            response["Retry-After"] = str(error.retry_after)
            return response
        context["preview"] = _preview(request)
        return form_page()
    if not form.is_valid():
        return form_page(400)
    if action == SUBMIT:
        try:
            _submission_limits(request, form)
        except ratelimit.RateLimited as error:
            form.add_error(None, error.message)
            response = form_page(429)
            response["Retry-After"] = str(error.retry_after)
            return response
    try:
        if not request.user.is_authenticated and submission is None:
            created = services.send_as_guest(
                guest_name=form.cleaned_data["guest_name"], guest_email=form.cleaned_data["guest_email"],
                data=form.content(), contact_language=_language(), build_uri=request.build_absolute_uri,
            )
            return render(request, "submissions/submission_check_email.html", {"submission": created})
        if not request.user.is_authenticated:
            sent = services.resend_as_guest(submission=submission, data=form.content(), contact_language=_language())
        elif action == DRAFT:
            saved = services.save_draft(contributor=request.user, data=form.content(), contact_language=_language(),
                                        submission=submission)
            messages.success(request, _("Draft saved. It stays private until you send it for review."))
            return redirect("submissions:edit", pk=saved.pk)
        else:
            sent = services.send(contributor=request.user, data=form.content(), contact_language=_language(),
                                 submission=submission)
    except (services.Refused, moderation.ModerationError) as refused:
        form.add_error(None, refused.message)
        return form_page(400)
    messages.success(request, _("Thank you! Your story is in the moderation queue. We will email you when a moderator decides."))
    return redirect(sent)


@require_http_methods(["GET", "HEAD", "POST"])
def submit(request):
    return _handle_story_form(request)


def _owned_submission(request, pk):
    """The visitor's own submission: theirs by account, or a guest's opened through a signed link."""
    submission = get_object_or_404(Submission.objects.select_related("category", "article", "contributor__profile"), pk=pk)
    if request.user.is_authenticated and submission.contributor_id == request.user.pk:
        return submission
    if submission.is_guest and pk in request.session.get(GUEST_SESSION_KEY, []):
        return submission
    raise Http404(_("No such submission."))


def _owner_required(view):
    @functools.wraps(view)
    def wrapped(request, pk, *args, **kwargs):
        if not request.user.is_authenticated and pk not in request.session.get(GUEST_SESSION_KEY, []):
            return redirect_to_login(request.get_full_path())
        return view(request, _owned_submission(request, pk), *args, **kwargs)

    return wrapped


@require_http_methods(["GET", "HEAD", "POST"])
@_owner_required
def edit(request, submission):
    if not submission.is_editable:
        messages.info(request, _("This submission can no longer be edited."))
        return redirect(submission)
    return _handle_story_form(request, submission=submission)


@login_required
@require_safe
def dashboard(request):
    submissions = list(services.dashboard(request.user))
    return render(request, "submissions/submission_list.html", {
        "submissions": submissions, "decided_statuses": DECIDED,
    })


def _timeline(submission):
    return list(submission.events.select_related("actor__profile", "revision").order_by("created_at", "id"))


@require_http_methods(["GET", "HEAD", "POST"])
@_owner_required
def detail(request, submission):
    appeal_form = AppealForm(request.POST or None) if submission.can_appeal else None
    if request.method == "POST":
        if appeal_form is None:
            messages.error(request, _("This decision cannot be appealed."))
            return redirect(submission)
        if appeal_form.is_valid():
            try:
                moderation.appeal(
                    submission, by=request.user if not submission.is_guest else None,
                    guest_email=submission.guest_email if submission.is_guest else "",
                    reason=appeal_form.cleaned_data["reason"],
                )
            except moderation.ModerationError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Your appeal is in the queue. A different moderator will review it."))
            return redirect(submission)
    revisions = list(submission.revisions.select_related("category").order_by("-number"))
    return render(request, "submissions/submission_detail.html", {
        "submission": submission,
        "revisions": revisions,
        "latest": revisions[0] if revisions else None,
        "photo": (revisions[0].image if revisions else submission.image) or None,
        "events": _timeline(submission),
        "latest_decision": services.latest_decision(submission),
        "decided_statuses": DECIDED,
        "draft_preview": None if revisions else services.working_copy_preview(submission),
        "appeal_form": appeal_form,
    }, status=400 if appeal_form is not None and appeal_form.errors else 200)


@require_GET  # not HEAD: opening the link confirms the story, and link checkers send HEAD
def confirm_guest(request, token):
    try:
        submission, confirmed = services.confirm_guest(token)
    except tokens.InvalidToken:
        return render(request, "submissions/submission_confirm_invalid.html", status=400)
    _grant_guest(request, submission)
    return render(request, "submissions/submission_confirmed.html", {"submission": submission, "newly": confirmed})


def _grant_guest(request, submission):
    granted = [pk for pk in request.session.get(GUEST_SESSION_KEY, []) if pk != submission.pk][-19:]
    request.session[GUEST_SESSION_KEY] = [*granted, submission.pk]


@require_safe
def guest_access(request, token):
    try:
        submission = services.guest_submission_for(token)
    except tokens.InvalidToken:
        return render(request, "submissions/submission_confirm_invalid.html", status=400)
    _grant_guest(request, submission)
    return redirect(submission)


# --- Moderation -----------------------------------------------------------------

def moderator_required(view):
    @two_factor.staff_page
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not moderation.is_moderator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@moderator_required
@require_safe
def queue(request):
    moderation.expire_claims()
    status = request.GET.get("status", "")
    status = status if status in Status.values and status != Status.DRAFT else ""
    language = request.GET.get("language", "")
    language = language if language in Language.values else ""
    categories = list(Category.objects.all())
    category = next((c for c in categories if str(c.pk) == request.GET.get("category")), None)
    page_obj = Paginator(services.queue(status=status, language=language, category=category), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    flags = list(services.open_flags()[:50])
    counts = services.queue_counts(language=language, category=category)
    statuses = [s for s in Status if s != Status.DRAFT]
    return render(request, "submissions/submission_queue.html", {
        "page_obj": page_obj,
        "counts": counts,
        "status_counts": [(s.value, s.label, counts[s.value]) for s in statuses],
        "statuses": statuses,
        "languages": Language.choices,
        "categories": categories,
        "current": {"status": status, "language": language, "category": category.pk if category else None},
        "flags": flags,
        "flags_total": len(flags) if len(flags) < 50 else services.open_flags().count(),
        "now": timezone.now(),
    })


def _selected_revisions(request, revisions):
    by_number = {r.number: r for r in revisions}
    newest = revisions[-1] if revisions else None
    try:
        new = by_number.get(int(request.GET.get("to", "")), newest)
    except ValueError:
        new = newest
    default_old = by_number.get(new.number - 1) if new else None
    try:
        old = by_number.get(int(request.GET.get("from", "")), default_old)
    except ValueError:
        old = default_old
    if old is not None and new is not None and old.number >= new.number:
        old = default_old
    return old, new


_ACTIONS = {
    "claim": lambda s, user, reason, uri: moderation.claim(s, by=user),
    "release": lambda s, user, reason, uri: moderation.release(s, by=user, reason=reason),
    "approve": lambda s, user, reason, uri: moderation.approve(s, by=user, reason=reason, build_uri=uri),
    "request_changes": lambda s, user, reason, uri: moderation.request_changes(s, by=user, reason=reason, build_uri=uri),
    "reject": lambda s, user, reason, uri: moderation.reject(s, by=user, reason=reason, build_uri=uri),
}
_DONE = {
    "claim": gettext_lazy("You have claimed this submission. Nobody else can act on it until you decide or release it."),
    "release": gettext_lazy("Released: the submission is back in the queue."),
    "approve": gettext_lazy("Approved. An article draft is waiting for the editors."),
    "request_changes": gettext_lazy("Changes requested. The contributor has been notified."),
    "reject": gettext_lazy("Rejected. The contributor has been notified and may appeal once."),
}


@moderator_required
@require_http_methods(["GET", "HEAD", "POST"])
def review(request, pk):
    submission = get_object_or_404(Submission.objects.select_related("category", "contributor__profile", "claimed_by",
                                                                     "article"), pk=pk)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            action = form.cleaned_data["action"]
            try:
                _ACTIONS[action](submission, request.user, form.cleaned_data["reason"], request.build_absolute_uri)
            except moderation.ReasonRequired as error:
                form.add_error("reason", error.message)
                status = 400
            except moderation.ModerationError as error:
                messages.error(request, error.message)
                return redirect("submissions:review", pk=submission.pk)
            else:
                messages.success(request, _DONE[action])
                if action == "release":
                    return redirect("submissions:queue")
                return redirect("submissions:review", pk=submission.pk)
        else:
            status = 400
    elif submission.status == Status.IN_REVIEW and not submission.claim_is_active():
        moderation.expire_claims()
        submission.refresh_from_db()
    revisions = list(submission.revisions.select_related("category").order_by("number"))
    old, new = _selected_revisions(request, revisions)
    appeal_event = None
    if submission.under_appeal or submission.status == Status.APPEALED:
        appeal_event = submission.events.filter(to_status=Status.APPEALED).order_by("-created_at").first()
    return render(request, "submissions/submission_review.html", {
        "submission": submission,
        "form": form,
        "revisions": revisions,
        "latest": revisions[-1] if revisions else None,
        "old": old,
        "new": new,
        "diff": services.revision_diff(old, new) if old and new else None,
        "events": _timeline(submission),
        "history": services.contributor_history(submission),
        "is_holder": submission.claim_is_active() and submission.claimed_by_id == request.user.pk,
        "is_own": moderation.is_own(submission, request.user),
        "rejected_by_me": submission.status == Status.APPEALED and moderation.rejected_by(submission) == request.user.pk,
        "appeal_event": appeal_event,
        "claim_minutes": settings.SUBMISSION_CLAIM_MINUTES,
    }, status=status)


@moderator_required
@require_POST
def resolve_flag(request, pk):
    flag = get_object_or_404(Flag, pk=pk)
    form = ResolveFlagForm(request.POST)
    resolution = form.cleaned_data["resolution"] if form.is_valid() else ""
    try:
        moderation.resolve_flag(flag, by=request.user, resolution=resolution)
    except moderation.ModerationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Report resolved."))
    return redirect(reverse("submissions:queue") + "#flags")


# --- Reader flags ---------------------------------------------------------------

@require_http_methods(["GET", "HEAD", "POST"])
def flag(request, slug):
    article = get_object_or_404(Article.objects.published().select_related("category"), slug=slug)
    form = FlagForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            limits = settings.FLAG_RATE_LIMITS
            try:
                ratelimit.enforce("flag", [
                    ("account", str(request.user.pk) if request.user.is_authenticated else "", *limits["account"]),
                    ("ip", ratelimit.client_ip(request), *limits["ip"]),
                ])
            except ratelimit.RateLimited as error:
                form.add_error(None, error.message)
                status = 429
            else:
                services.flag_article(article=article, reason=form.cleaned_data["reason"],
                                      note=form.cleaned_data["note"], reporter=request.user)
                messages.success(request, _("Thank you. Our moderators will look at your report."))
                return redirect(article)
        else:
            status = 400
    return render(request, "submissions/flag_form.html", {"form": form, "article": article}, status=status)
