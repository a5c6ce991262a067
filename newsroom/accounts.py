"""Sign-up with email confirmation. Log-in, log-out and password reset are Django's own views."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
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
def register(*, username, email, display_name, password, language):
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


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("articles:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _within_signup_limits(request, form):
        user = register(
            username=form.cleaned_data["username"], email=form.cleaned_data["email"],
            display_name=form.cleaned_data["display_name"], password=form.cleaned_data["password1"],
            language=get_language(),
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
