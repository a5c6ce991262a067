"""Accounts on django-allauth: our adapter, forms and the few views that add our limits.

allauth does sign-up, email verification (mandatory, sent again when an unconfirmed account logs in),
log-in by username or email, password reset and email change. What is ours:

- every email goes through the outbox (`newsroom/mail.py`), in our layout, with links built from
  SITE_URL, never from the request's Host;
- every limit counts in `newsroom/ratelimit.py`, which all processes share (allauth's own limits
  count in the cache, per process without Redis, so they are off): log-ins with `LoginThrottle`,
  sign-ups and password resets per address and IP, confirmation emails per address and account
  (EMAIL_CONFIRMATION_RATE_LIMITS);
- an account that has never confirmed an address and is inactive (guests whose story was approved,
  sign-ups from before allauth) is *awaiting confirmation*, not closed: confirming its address or
  resetting its password makes it usable. An inactive account with a confirmed address stays closed;
- the admin's log-in is this one (`secure_admin_login`), so staff always meet the second factor
  (newsroom/two_factor.py).
"""

import math
from urllib.parse import quote, urlsplit

from allauth.account import forms as allauth_forms
from allauth.account import views as allauth_views
from allauth.account.decorators import secure_admin_login
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.userkit import filter_users_by_email
from allauth.account.models import EmailAddress
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import int_to_base36, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from articles.models import AuthorProfile
from newsroom import mail, privacy, ratelimit

User = get_user_model()


def site_url(path):
    return settings.SITE_URL.rstrip("/") + path


class SiteAddress:
    """Stands in for allauth's `current_site` in emails: the configured name and address, not the Host header."""

    name = property(lambda self: settings.SITE_NAME)
    domain = property(lambda self: urlsplit(settings.SITE_URL).netloc)


def user_display(user):
    profile = getattr(user, "profile", None)
    return getattr(profile, "display_name", "") or user.get_username()


def awaiting_confirmation(user):
    """Inactive without any confirmed address: never used, not closed by staff."""
    return not user.is_active and not EmailAddress.objects.filter(user=user, verified=True).exists()


def primary_address(user):
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        address = EmailAddress.objects.create(user=user, email=user.email.lower(), primary=True, verified=False)
    return address


@transaction.atomic
def confirm_and_activate(user):
    """The owner of the account's address has shown it (a confirmation or a reset link): it becomes usable."""
    address = primary_address(user)
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    address.set_as_primary()
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])


class AccountAdapter(DefaultAccountAdapter):
    def clean_username(self, username, shallow=False):
        # Deleted accounts are renamed deleted-<random> (newsroom/privacy.py): nobody may pass for one.
        if username.lower().startswith(privacy.TOMBSTONE_PREFIX):
            raise forms.ValidationError(_("This username is not available."))
        return super().clean_username(username, shallow=shallow)

    def format_email_subject(self, subject):
        return f"[{settings.SITE_NAME}] {force_str(subject)}"

    def send_mail(self, template_prefix, email, context):
        """Render allauth's email in the current language and record it in our outbox (sent once, after commit)."""
        context = {"email": email, "current_site": SiteAddress(), "site_name": settings.SITE_NAME, **context}
        message = self.render_mail(template_prefix, email, context)
        html = render_to_string("emails/account.html", {"site_name": settings.SITE_NAME, "text": message.body})
        mail.queue(to=list(message.to), subject=message.subject, text=message.body, html=html)

    def get_email_confirmation_url(self, request, emailconfirmation):
        return site_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key):
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return site_url(path.replace("UID-KEY", quote(key)))

    def send_account_already_exists_mail(self, email):
        self.send_mail("account/email/account_already_exists", email, {
            "signup_url": site_url(reverse("account_signup")),
            "password_reset_url": site_url(reverse("account_reset_password")),
        })

    def send_confirmation_mail(self, request, emailconfirmation, signup):
        """Within EMAIL_CONFIRMATION_RATE_LIMITS: logging in again and again does not flood an inbox."""
        address = emailconfirmation.email_address
        limits = settings.EMAIL_CONFIRMATION_RATE_LIMITS
        try:
            ratelimit.enforce("email_confirmation", [
                ("email", address.email.lower(), *limits["email"]),
                ("account", str(address.user_id), *limits["account"]),
            ])
        except ratelimit.RateLimited:
            return  # the link sent a moment ago still works
        super().send_confirmation_mail(request, emailconfirmation, signup)

    def respond_user_inactive(self, request, user):
        """The right password for an account awaiting confirmation: send (again) the link, say so."""
        if awaiting_confirmation(user):
            primary_address(user).send_confirmation(request)
            return self.respond_email_verification_sent(request, user)
        return super().respond_user_inactive(request, user)

    def confirm_email(self, request, email_address):
        waiting = awaiting_confirmation(email_address.user)
        confirmed = super().confirm_email(request, email_address)
        if confirmed and waiting:
            confirm_and_activate(email_address.user)
        return confirmed

    def get_client_ip(self, request):
        return ratelimit.client_ip(request)


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


def _account_name(login):
    """The username a log-in names, so that guessing by username and by email share one count."""
    if "@" in str(login):
        username = User.objects.filter(email__iexact=login).values_list("username", flat=True).first()
        if username:
            return username
    return login


# The admin's own log-in form would skip allauth, and with it the second factor: it sends people to ours.
admin.site.login = secure_admin_login(admin.site.login)


class LoginForm(allauth_forms.LoginForm):
    """allauth's log-in (username or email) behind LoginThrottle."""

    throttled = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Username or email")

    @sensitive_variables("password")
    def clean(self):
        login = self.cleaned_data.get("login")
        password = self.cleaned_data.get("password")
        if not login or not password or self.request is None:
            return super().clean()
        try:
            attempt = LoginThrottle(self.request, _account_name(login)).attempt()
        except ratelimit.RateLimited as error:
            self.throttled = error
            raise ValidationError(throttled_message(error), code="throttled") from None
        cleaned = super().clean()  # a wrong password raises: the attempt stays counted
        attempt.undo()  # the right password (even for an unconfirmed account) is not a guess
        return cleaned


class LoginView(allauth_views.LoginView):
    """A refused (throttled) attempt answers 429 with Retry-After."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.throttled.retry_after)
        return response


class SignupForm(allauth_forms.SignupForm):
    display_name = forms.CharField(
        label=gettext_lazy("Display name"), max_length=100,
        help_text=gettext_lazy("Shown as the byline of your published stories."),
    )
    field_order = ["username", "email", "display_name", "password1", "password2"]

    @transaction.atomic
    def save(self, request):
        return super().save(request)  # the account and its author profile together

    def custom_signup(self, request, user):
        AuthorProfile.objects.create(user=user, display_name=self.cleaned_data["display_name"])


def _rate_limited(request, form, scope, limits, field=None):
    """Count one event per address and IP; past a limit, the form says so. Returns the error or None."""
    try:
        ratelimit.enforce(scope, [
            ("email", form.cleaned_data["email"], *limits["email"]),
            ("ip", ratelimit.client_ip(request), *limits["ip"]),
        ])
    except ratelimit.RateLimited as error:
        form.add_error(field, error.message)
        return error
    return None


def _too_many(response, error):
    response.status_code = 429
    response["Retry-After"] = str(error.retry_after)
    return response


class SignupView(allauth_views.SignupView):
    """Sign-ups limited per address and IP (SIGNUP_RATE_LIMITS); an address with an account counts alike."""

    def form_valid(self, form):
        error = _rate_limited(self.request, form, "signup", settings.SIGNUP_RATE_LIMITS)
        if error:
            return _too_many(self.form_invalid(form), error)
        return super().form_valid(form)


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    """Also for accounts awaiting confirmation (a guest's, an unconfirmed sign-up), never for closed ones."""

    def clean_email(self):
        email = self.cleaned_data["email"]
        users = filter_users_by_email(email.lower(), prefer_verified=True, for_login=True)
        self.users = [user for user in users if user.is_active or awaiting_confirmation(user)]
        return email


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def save(self):
        super().save()
        if not EmailAddress.objects.filter(user=self.user, verified=True).exists():
            confirm_and_activate(self.user)  # the link reached the account's only address


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    """The current password is checked within PASSWORD_CHANGE_RATE_LIMITS: a borrowed session cannot guess it."""

    @sensitive_variables("password")
    def clean_oldpassword(self):
        try:
            attempt = ratelimit.enforce("password_change", [
                ("account", str(self.user.pk), *settings.PASSWORD_CHANGE_RATE_LIMITS["account"])])
        except ratelimit.RateLimited as error:
            raise ValidationError(error.message, code="throttled") from None
        password = super().clean_oldpassword()  # a wrong one raises: the attempt stays counted
        attempt.undo()
        return password


class PasswordResetView(allauth_views.PasswordResetView):
    """Each request sends an email, so it is limited per address and IP (PASSWORD_RESET_RATE_LIMITS).

    The limits count every request for an address, whether it has an account or not, so the answer
    still never reveals which addresses have accounts.
    """

    def form_valid(self, form):
        error = _rate_limited(self.request, form, "password_reset", settings.PASSWORD_RESET_RATE_LIMITS, "email")
        if error:
            return _too_many(self.form_invalid(form), error)
        return super().form_valid(form)


# --- The addresses of before allauth ---------------------------------------------

def old_activation_link(request, uidb64, token):
    """Links sent before allauth: logging in sends a fresh one to an account still awaiting confirmation."""
    messages.info(request, _("This confirmation link is from before our new account system. Log in with your "
                             "password and we will send you a new one."))
    return redirect("account_login")


def old_password_reset_link(request, uidb64, token):
    """Django's reset links carry the same token as allauth's; only the way the account is written differs."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError):
        return redirect("account_reset_password")
    return redirect("account_reset_password_from_key", uidb36=int_to_base36(pk), key=token)
