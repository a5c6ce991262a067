"""Copyright takedown pages: the public notice form and statistics, the staff's cases, the author's counter-notice.

Thin views: forms validate, submissions/takedowns/workflow.py does the work. Everything a complainant or an
email supplied is shown escaped (email bodies are hostile input); originals and attachments are
only ever downloaded, never rendered.
"""

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from articles.models import Language
from newsroom import ratelimit, two_factor
from submissions.takedowns import inbound as takedown_inbound
from submissions.takedowns import workflow
from submissions.takedowns.models import (
    TakedownCase,
    TakedownCaseArticle,
    TakedownEvent,
    TakedownMessage,
    TakedownSource,
    TakedownStatus,
)
from submissions.takedowns.forms import CaseActionForm, CounterNoticeForm, TakedownReportForm, article_slug

REPORT_SESSION_KEY = "takedown_report_reference"
CASES_PAGE_SIZE = 50
Status = TakedownStatus


def _language():
    language = get_language()
    return language if language in Language.values else settings.LANGUAGE_CODE


def _request_host(request):
    return urlsplit(f"//{request.get_host()}").hostname or ""


# --- The public notice form -------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def report(request):
    form = TakedownReportForm(request.POST or None, hosts=[_request_host(request)])
    status = 200
    if request.method == "POST":
        if form.is_valid():
            limits = settings.TAKEDOWN_REPORT_RATE_LIMITS
            try:
                ratelimit.enforce("takedown_report", [
                    ("email", form.cleaned_data["complainant_email"], *limits["email"]),
                    ("ip", ratelimit.client_ip(request), *limits["ip"]),
                ])
            except ratelimit.RateLimited as error:
                form.add_error(None, error.message)
                response = render(request, "takedowns/takedown_report.html", {"form": form}, status=429)
                response["Retry-After"] = str(error.retry_after)
                return response
            data = form.cleaned_data
            case = workflow.open_case(
                source=TakedownSource.WEB, language=_language(),
                complainant_name=data["complainant_name"], complainant_organisation=data["complainant_organisation"],
                complainant_address=data["complainant_address"].strip(), complainant_email=data["complainant_email"],
                complainant_phone=data["complainant_phone"], work_description=data["work_description"].strip(),
                reported_urls=data["infringing_urls"], links=form.links,
                good_faith_statement=True, accuracy_statement=True, signature=data["signature"],
                build_uri=request.build_absolute_uri,
            )
            request.session[REPORT_SESSION_KEY] = case.reference
            return redirect("takedowns:report_received")
        status = 400
    return render(request, "takedowns/takedown_report.html", {"form": form}, status=status)


@require_safe
def report_received(request):
    reference = request.session.get(REPORT_SESSION_KEY)
    if not reference:
        return redirect("takedowns:report")
    return render(request, "takedowns/takedown_report_received.html", {"reference": reference})


@require_safe
def transparency(request):
    rows = workflow.monthly_statistics()
    totals = {name: sum(row[name] for row in rows) for name in ("received", "upheld", "dismissed", "restored")}
    return render(request, "takedowns/takedown_transparency.html", {"rows": rows, "totals": totals})


# --- Staff -----------------------------------------------------------------------------------------


def copyright_staff_required(view):
    """Copyright staff and superusers; anyone else logged in gets a 404 (the pages do not exist for them)."""

    @two_factor.staff_page
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not workflow.is_copyright_staff(request.user):
            raise Http404(_("No such page."))
        return view(request, *args, **kwargs)

    return wrapped


@copyright_staff_required
@require_safe
def case_list(request):
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    source = request.GET.get("source", "")
    source = source if source in TakedownSource.values else ""
    query = " ".join(request.GET.get("q", "").split())[:200]
    cases = TakedownCase.objects.all()
    if status:
        cases = cases.filter(status=status)
    elif not query:
        cases = cases.exclude(status__in=workflow.FINAL)
    if source:
        cases = cases.filter(source=source)
    if query:
        cases = cases.filter(Q(reference__iexact=query) | Q(complainant_email__icontains=query)
                             | Q(complainant_name__icontains=query) | Q(complainant_organisation__icontains=query))
    cases = cases.annotate(article_count=Count("case_articles")).order_by("received_at", "id")
    page_obj = Paginator(cases, CASES_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = TakedownCase.objects.aggregate(**{s.value: Count("pk", filter=Q(status=s)) for s in Status})
    counts["open"] = sum(counts[s] for s in Status.values if s not in workflow.FINAL)
    return render(request, "takedowns/takedown_case_list.html", {
        "page_obj": page_obj,
        "status_counts": [(s.value, s.label, counts[s.value]) for s in Status],
        "counts": counts,
        "statuses": list(Status),
        "sources": TakedownSource.choices,
        "current": {"status": status, "source": source, "q": query},
        "now": timezone.now(),
    })


def _case(reference):
    return get_object_or_404(TakedownCase, reference=reference.upper())


def _timeline(case):
    return list(
        case.events.select_related("actor", "message").order_by("created_at", "id")
    )


def _links_with_strikes(case):
    links = list(case.case_articles.select_related("article__author__profile", "article__category"))
    authors = {link.article.author_id for link in links}
    standing = dict(
        TakedownCaseArticle.objects.filter(article__author_id__in=authors, disabled=True,
                                           case__status__in=workflow.TAKEDOWN_STANDING)
        .values("article__author_id").annotate(n=Count("case_id", distinct=True))
        .values_list("article__author_id", "n")
    ) if authors else {}
    for link in links:
        link.author_strikes = standing.get(link.article.author_id, 0)
    return links


_ACTIONS = {
    "start_review": lambda case, user, data, uri: workflow.start_review(case, by=user),
    "request_info": lambda case, user, data, uri: workflow.request_info(
        case, by=user, message=data["message"], missing=data["missing"], build_uri=uri),
    "uphold": lambda case, user, data, uri: workflow.uphold(case, by=user, reason=data["message"], build_uri=uri),
    "dismiss": lambda case, user, data, uri: workflow.dismiss(case, by=user, reason=data["message"], build_uri=uri),
    "record_counter_notice": lambda case, user, data, uri: workflow.record_counter_notice(
        case, by=user, text=data["message"]),
    "court_action": lambda case, user, data, uri: workflow.record_court_action(case, by=user, reason=data["message"]),
    "restore": lambda case, user, data, uri: workflow.restore(case, by=user, reason=data["message"], build_uri=uri),
    "close": lambda case, user, data, uri: workflow.close(case, by=user, reason=data["message"]),
    "reply": lambda case, user, data, uri: workflow.reply(case, by=user, message=data["message"], build_uri=uri),
    "note": lambda case, user, data, uri: workflow.add_note(case, by=user, note=data["message"]),
}
_DONE = {
    "start_review": gettext_lazy("The case is under review."),
    "request_info": gettext_lazy("Information requested: the complainant has been emailed."),
    "uphold": gettext_lazy("Upheld: the articles are disabled and their authors have been told why."),
    "dismiss": gettext_lazy("Dismissed: the complainant has been told why."),
    "record_counter_notice": gettext_lazy("Counter-notice recorded and forwarded to the complainant."),
    "court_action": gettext_lazy("Court action recorded: the articles will not come back by themselves."),
    "restore": gettext_lazy("Restored: the articles are back."),
    "close": gettext_lazy("The case is closed."),
    "reply": gettext_lazy("Your message has been sent to the complainant."),
    "note": gettext_lazy("Note added."),
    "link_article": gettext_lazy("Article linked to the case."),
}


def _link_article(request, case, value):
    value = value.strip()
    slug = article_slug(value, [*settings.TAKEDOWN_SITE_HOSTS, _request_host(request)]) if "/" in value else value
    article = workflow.articles_by_slug([slug]).get(slug) if slug else None
    if article is None:
        raise workflow.TakedownError(_("No article found at “%(value)s”.") % {"value": value[:100]})
    if not workflow.link_articles(case, by=request.user, links=[(article, value)]):
        raise workflow.TakedownError(_("This article is already linked to the case."))


@copyright_staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_detail(request, reference):
    case = _case(reference)
    status, action_error = 200, None
    if request.method == "POST":
        form = CaseActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("This action is not possible right now."))
            return redirect(case)
        action = form.cleaned_data["action"]
        try:
            if action == "link_article":
                _link_article(request, case, form.cleaned_data["article_url"])
            else:
                _ACTIONS[action](case, request.user, form.cleaned_data, request.build_absolute_uri)
        except workflow.ReasonRequired as error:
            action_error = (action, error.message)
            status = 400
            case.refresh_from_db()
        except workflow.TakedownError as error:
            messages.error(request, error.message)
            return redirect(case)
        else:
            messages.success(request, _DONE[action])
            return redirect(case)
    events = _timeline(case)
    notice = next((e.message for e in events if e.message and e.message.direction == TakedownMessage.Direction.IN),
                  None)
    counter_notice = getattr(case, "counter_notice", None) if case.status in (
        Status.COUNTER_NOTICED, Status.RESTORED, Status.CLOSED) else None
    return render(request, "takedowns/takedown_case.html", {
        "case": case,
        "links": _links_with_strikes(case),
        "events": events,
        "notice": notice,
        "counter_notice": counter_notice,
        "allowed": {str(s) for s in workflow.ALLOWED[case.status]},
        "missing_labels": workflow.missing_labels(case.missing_elements),
        "element_choices": list(workflow.ELEMENT_LABELS.items()),
        "action_error": action_error,
        "now": timezone.now(),
    }, status=status)


def _message(case, pk):
    return get_object_or_404(TakedownMessage, case=case, pk=pk, direction=TakedownMessage.Direction.IN)


@copyright_staff_required
@require_safe
def message_original(request, reference, pk):
    """The message exactly as it arrived, as a download (never rendered: it is hostile input)."""
    case = _case(reference)
    message = _message(case, pk)
    response = HttpResponse(bytes(message.raw), content_type="message/rfc822")
    response["Content-Disposition"] = content_disposition_header(True, f"{case.reference}-{message.pk}.eml")
    return response


@copyright_staff_required
@require_safe
def message_attachment(request, reference, pk, index):
    case = _case(reference)
    message = get_object_or_404(TakedownMessage.objects.defer("text"), case=case, pk=pk,
                                direction=TakedownMessage.Direction.IN)
    attachment = takedown_inbound.attachment(message, index)
    if attachment is None:
        raise Http404(_("No such attachment."))
    response = HttpResponse(attachment.data, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(
        True, attachment.filename or f"{case.reference}-{pk}-attachment-{index + 1}.bin")
    return response


# --- The author: counter-notice ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def counter_notice(request, reference):
    case = _case(reference)
    articles = workflow.counter_notice_articles(case, request.user)
    if not articles:
        raise Http404(_("No such case."))
    upheld = case.events.filter(kind=TakedownEvent.Kind.STATUS, to_status=Status.UPHELD).order_by("-id").first()
    form = None
    status = 200
    if case.status == Status.UPHELD:
        profile = getattr(request.user, "profile", None)
        material = "\n".join(f"{a.title}: {request.build_absolute_uri(a.get_absolute_url())}" for a in articles)
        form = CounterNoticeForm(request.POST or None, initial={
            "material": material, "name": request.user.get_full_name() or (profile.display_name if profile else ""),
        })
        if request.method == "POST":
            if form.is_valid():
                try:
                    workflow.file_counter_notice(case, by=request.user, language=_language(),
                                                  email=request.user.email, **form.cleaned_data)
                except workflow.TakedownError as error:
                    messages.error(request, error.message)
                else:
                    messages.success(request, _("Your counter-notice has been filed and forwarded to the person who "
                                                "sent the notice."))
                return redirect("takedowns:counter_notice", reference=case.reference)
            status = 400
    elif request.method == "POST":
        return redirect("takedowns:counter_notice", reference=case.reference)
    return render(request, "takedowns/counter_notice_form.html", {
        "case": case, "articles": articles, "form": form, "upheld": upheld,
        "days": settings.TAKEDOWN_COUNTER_NOTICE_BUSINESS_DAYS,
    }, status=status)
