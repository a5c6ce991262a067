"""Sign-up with email confirmation, log-in throttling and a rate-limited password reset.

Log-out and the rest of the password reset are Django's own views."""

import math

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods

from articles.models import AuthorProfile
from newsroom import mail, ratelimit
from newsroom.forms import SignupForm

User = get_user_model()


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Valid until the account is activated (is_active is part of the hash)."""

    key_salt = "newsroom.accounts.activation"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.is_active}{user.email}{timestamp}"


activation_tokens = ActivationTokenGenerator()


@transaction.atomic
def register(*, username, email, display_name, password):
    user = User.objects.create_user(username=username, email=email, password=password, is_active=False)
    AuthorProfile.objects.create(user=user, display_name=display_name)
    return user


def send_activation(request, user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = request.build_absolute_uri(reverse("activate", args=[uid, activation_tokens.make_token(user)]))
    mail.send_on_commit("account_activation", to=user.email, context={"user": user, "link": link}, language=get_language())


def _within_signup_limits(request, form):
    """Count a sign-up per address and per IP; past the limit, explain on the form instead."""
    limits = settings.SIGNUP_RATE_LIMITS
    try:
        ratelimit.enforce("signup", [
            ("email", form.cleaned_data["email"], *limits["email"]),
            ("ip", ratelimit.client_ip(request), *limits["ip"]),
        ])
    except ratelimit.RateLimited as error:
        form.add_error(None, error.message)
        return False
    return True


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("articles:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _within_signup_limits(request, form):
        user = register(
            username=form.cleaned_data["username"], email=form.cleaned_data["email"],
            display_name=form.cleaned_data["display_name"], password=form.cleaned_data["password1"],
        )
        send_activation(request, user)
        return render(request, "registration/signup_done.html", {"email": user.email})
    return render(request, "registration/signup.html", {"form": form})


def activate(request, uidb64, token):
    try:
        user = User.objects.get(pk=urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, User.DoesNotExist):
        user = None
    if user is None or not activation_tokens.check_token(user, token):
        return render(request, "registration/activation_invalid.html", status=400)
    user.is_active = True
    user.save(update_fields=["is_active"])
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Your email address is confirmed. Welcome to Newsroom!"))
    return redirect("articles:home")


# --- Log-in throttling ----------------------------------------------------------

class LoginThrottle:
    """Failed log-ins counted per (username, IP), per username and per IP (settings.LOGIN_RATE_LIMITS).

    Every attempt is counted before its password is checked, so parallel guesses cannot slip past a
    limit between a check and a count; an attempt that turns out not to be a guess (the right
    password) is then taken back, so that only failures count and many people logging in from one
    office address never lock each other out. A success takes back only its own attempt: an attacker
    cannot clear the count for an address by logging into an account of their own. The
    per-(username, IP) limit is the tight one: a stranger guessing a password from elsewhere slows
    that account down only at the looser per-username limit, and password reset always works.
    """

    scope = "login"

    def __init__(self, request, username):
        ip = ratelimit.client_ip(request)
        name = " ".join(str(username or "").split()).lower()
        limits = settings.LOGIN_RATE_LIMITS
        self.rules = [
            ("username_ip", f"{name}|{ip}" if name and ip else "", *limits["username_ip"]),
            ("username", name, *limits["username"]),
            ("ip", ip, *limits["ip"]),
        ]

    def attempt(self):
        """Count this attempt (ratelimit.Counted, to undo if it was no guess), or raise RateLimited."""
        return ratelimit.enforce(self.scope, self.rules)


def throttled_message(error):
    minutes = max(1, math.ceil(error.retry_after / 60))
    return ngettext(
        "Too many failed attempts to log in. For your security, logging in is paused: try again in "
        "about %(minutes)d minute, or reset your password.",
        "Too many failed attempts to log in. For your security, logging in is paused: try again in "
        "about %(minutes)d minutes, or reset your password.",
        minutes,
    ) % {"minutes": minutes}


class ThrottledLoginMixin:
    """For an AuthenticationForm: count the attempt first; past a limit the password is not even checked."""

    throttled = None

    @sensitive_variables("password")
    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password or self.request is None:
            return super().clean()
        try:
            attempt = LoginThrottle(self.request, username).attempt()
        except ratelimit.RateLimited as error:
            self.throttled = error
            raise ValidationError(throttled_message(error), code="throttled") from None
        try:
            cleaned = super().clean()
        except ValidationError:
            if self.user_cache is not None:  # the right password, refused for another reason (a non-staff user at /admin/)
                attempt.undo()
            raise
        attempt.undo()  # a success is not a failure
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class ThrottledLoginView(LoginView):
    """Django's LoginView with LoginForm; a refused attempt answers 429 with Retry-After."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.throttled.retry_after)
        return response


# The admin has its own log-in page: the same counters guard it, so neither is a way around the other.
admin.site.login_form = AdminLoginForm


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password reset, limited per address and per IP (settings.PASSWORD_RESET_RATE_LIMITS).

    Each request sends an email, so without a limit anyone could flood a person's inbox or spend the
    site's mail quota. The limits count every request for an address, whether it has an account or
    not, so the answer still never reveals which addresses have accounts.
    """

    def form_valid(self, form):
        limits = settings.PASSWORD_RESET_RATE_LIMITS
        try:
            ratelimit.enforce("password_reset", [
                ("email", form.cleaned_data["email"], *limits["email"]),
                ("ip", ratelimit.client_ip(self.request), *limits["ip"]),
            ])
        except ratelimit.RateLimited as error:
            form.add_error("email", error.message)
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(error.retry_after)
            return response
        return super().form_valid(form)
