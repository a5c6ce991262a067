"""Two-factor authentication for staff, on allauth.mfa (TOTP with recovery codes, WebAuthn passkeys).

Anyone may add a second factor at /accounts/2fa/. Staff must: members of Moderators, Copyright staff
and Editors, superusers, and anyone the admin lets in (is_staff), reach no staff page without an
active authenticator (an authenticator app or a passkey; recovery codes alone are not one).

Why one middleware rather than a decorator: the staff pages are ours (moderation, copyright cases,
the staff preview) *and* Django's admin, whose hundreds of views we do not write. Our staff pages are
marked where they are defined (`@staff_page`, which the role decorators moderator_required and
copyright_staff_required apply, so a new view behind a staff role is covered without a list to keep
up); the admin is covered by its namespace. The middleware does nothing (not even a session read) on
other pages, so anonymous and non-staff readers pay no query; on a staff page it reuses the roles
`has_role` has already read for the request and asks one question: has this user an authenticator?

allauth's own limits are off (they count in a per-process cache): wrong codes at the log-in's second
step and at re-authentication are counted per account in newsroom/ratelimit.py (MFA_CODE_RATE_LIMITS).
"""

import math
from urllib.parse import urlencode

from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.base import views as mfa_views
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from newsroom import ratelimit
from submissions.roles import has_role

EDITORS_GROUP = "Editors"
OPEN_ADMIN_VIEWS = frozenset({"admin:login", "admin:logout"})  # the admin's pages but these are staff pages
# Authenticators that are a second factor by themselves (recovery codes only stand in for them).
FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# Where a staff member was going when sent to set up a second factor; they continue there afterwards.
NEXT_SESSION_KEY = "newsroom_mfa_next"


def staff_groups():
    return (settings.MODERATORS_GROUP, settings.COPYRIGHT_STAFF_GROUP, EDITORS_GROUP)


def needs_second_factor(user) -> bool:
    """Staff: any staff role (superusers hold them all) or admin access."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_staff or any(has_role(user, group) for group in staff_groups())


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=FACTORS).exists()


def staff_page(view):
    """Marks a view as a staff page: staff reach it only with a second factor (StaffTwoFactorMiddleware).
    The mark is an attribute, so decorators applied around it (functools.wraps) keep it."""
    view.staff_page = True
    return view


def is_staff_view(match, view_func) -> bool:
    if match is None:
        return False
    if "admin" in match.namespaces:
        return match.view_name not in OPEN_ADMIN_VIEWS
    return getattr(view_func, "staff_page", False)


class StaffTwoFactorMiddleware:
    """Sends staff without an authenticator from any staff page to the guided set-up (`mfa_required`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not is_staff_view(request.resolver_match, view_func):
            return None
        if not needs_second_factor(request.user) or has_second_factor(request.user):
            return None
        return redirect(f"{reverse('mfa_required')}?{urlencode({'next': request.get_full_path()})}")


def _safe_next(request, url):
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return ""


@never_cache
@login_required
@require_safe
def setup_required(request):
    """Why staff need a second factor, and the way to add one; once added, on to where they were going."""
    next_url = _safe_next(request, request.GET.get("next", ""))
    if has_second_factor(request.user):
        stored = _safe_next(request, request.session.pop(NEXT_SESSION_KEY, ""))
        return redirect(next_url or stored or "mfa_index")
    if next_url:
        request.session[NEXT_SESSION_KEY] = next_url
    return render(request, "mfa/required.html", {
        "is_staff_member": needs_second_factor(request.user),
        "webauthn_supported": "webauthn" in settings.MFA_SUPPORTED_TYPES,
    })


# --- Wrong codes, limited per account --------------------------------------------

def throttled_message(error):
    minutes = max(1, math.ceil(error.retry_after / 60))
    return ngettext(
        "Too many wrong codes. For your security, try again in about %(minutes)d minute.",
        "Too many wrong codes. For your security, try again in about %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class CodeLimitMixin:
    """Every code is counted before it is checked (parallel guesses cannot slip past the limit); a right one is
    taken back, so only wrong codes count. Past the limit no code is checked, not even the right one."""

    throttled = None

    def clean_code(self):
        try:
            attempt = ratelimit.enforce("mfa_code", [
                ("account", str(self.user.pk), *settings.MFA_CODE_RATE_LIMITS["account"])])
        except ratelimit.RateLimited as error:
            self.throttled = error
            raise ValidationError(throttled_message(error), code="throttled") from None
        code = super().clean_code()  # a wrong code raises: the attempt stays counted
        attempt.undo()
        return code


class AuthenticateForm(CodeLimitMixin, mfa_forms.AuthenticateForm):
    """The log-in's second step: an authenticator code or a recovery code."""


class ReauthenticateForm(CodeLimitMixin, mfa_forms.ReauthenticateForm):
    """Confirming it is still you before a sensitive change (e.g. new recovery codes)."""


class AuthenticateView(mfa_views.AuthenticateView):
    """A refused (throttled) code answers 429 with Retry-After, as the log-in does."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if getattr(form, "throttled", None) is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.throttled.retry_after)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The security-key button only for those who have one (allauth offers it to everyone).
        context["has_webauthn"] = Authenticator.objects.filter(
            user_id=self.stage.login.user.pk, type=Authenticator.Type.WEBAUTHN).exists()
        return context
