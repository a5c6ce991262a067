"""The account page, /my/account/: one page for what a signed-in person manages about themselves.

Thin views: the public profile is changed by `articles.authors.update_profile()`, the newsletter by
`articles.newsletter` (double opt-in, as everywhere), email addresses, passwords and sessions by allauth's
own pages, which this page links. Each form posts `action` = `profile` | `subscribe` | `unsubscribe`.
"""

import re

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.sessions.models import Session
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from articles import authors, images, newsletter
from articles.models import AuthorProfile, Language, NewsletterSubscriber
from newsroom import ratelimit

SESSIONS_SHOWN = 5  # the most recent; allauth's sessions page lists them all


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=gettext_lazy("Display name"), max_length=AuthorProfile._meta.get_field("display_name").max_length,
        help_text=gettext_lazy("Shown as the byline of your published stories."),
        error_messages={"required": gettext_lazy("Enter the name to show on your stories.")},
    )
    bio = forms.CharField(
        label=gettext_lazy("Short biography"), required=False, max_length=AuthorProfile._meta.get_field("bio").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Plain text, shown on your author page. Markup is shown as typed."),
    )
    photo = forms.FileField(
        label=gettext_lazy("Photo"), required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        help_text=gettext_lazy("JPEG, PNG, WebP or GIF. Location and camera details are removed."),
    )
    remove_photo = forms.BooleanField(label=gettext_lazy("Remove my photo"), required=False)

    def clean_display_name(self):
        return " ".join(self.cleaned_data["display_name"].split())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            # Decoding a large image costs a moment of CPU: counted before, per account (PROFILE_PHOTO_RATE_LIMITS).
            ratelimit.enforce("profile_photo", [("account", str(self.user.pk),
                                                 *settings.PROFILE_PHOTO_RATE_LIMITS["account"])])
        except ratelimit.RateLimited as error:
            raise forms.ValidationError(error.message) from None
        try:
            return images.clean_upload(upload, max_side=authors.AVATAR_MAX_SIDE)
        except images.InvalidImage as error:
            raise forms.ValidationError(str(error)) from None


class NewsletterForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Edition"), choices=Language.choices)


def device_name(user_agent):
    """"Firefox on Linux" from a User-Agent header: enough to recognise one's own devices."""
    browsers = [("Edge", r"Edg/"), ("Opera", r"OPR/"), ("Samsung Internet", r"SamsungBrowser/"),
                ("Firefox", r"Firefox/"), ("Chrome", r"Chrome/|Chromium/|CriOS/"), ("Safari", r"Safari/")]
    systems = [("Android", r"Android"), ("iOS", r"iPhone|iPad"), ("Windows", r"Windows"),
               ("macOS", r"Macintosh|Mac OS X"), ("ChromeOS", r"CrOS"), ("Linux", r"Linux")]
    browser = next((name for name, pattern in browsers if re.search(pattern, user_agent or "")), "")
    system = next((name for name, pattern in systems if re.search(pattern, user_agent or "")), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown browser")


def _live_sessions(user):
    """The account's sessions that still sign someone in. allauth forgets ended ones only when its own page is
    opened (a check per session); with sessions in the database one subquery leaves them out here."""
    sessions = UserSession.objects.filter(user=user)
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        sessions = sessions.filter(session_key__in=Session.objects.filter(expire_date__gt=timezone.now())
                                   .values("session_key"))
    return sessions


def _subscribe(request, email):
    form = NewsletterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the edition you want to receive."))
        return
    limits = settings.NEWSLETTER_RATE_LIMITS
    try:
        ratelimit.enforce("newsletter", [("email", email, *limits["email"]),
                                         ("ip", ratelimit.client_ip(request), *limits["ip"])])
    except ratelimit.RateLimited as error:
        messages.error(request, error.message)
        return
    subscriber = newsletter.subscribe(email=email, language=form.cleaned_data["language"],
                                      build_uri=newsletter.site_uri)
    if subscriber.status == NewsletterSubscriber.Status.PENDING:
        messages.success(request, _("We sent a confirmation link to %(email)s. Your subscription starts once you "
                                    "open it.") % {"email": email})


def _unsubscribe(request, email):
    subscriber = newsletter.subscription_of(email)
    if subscriber is not None and subscriber.status in newsletter.STEPS["unsubscribe"].sources:
        newsletter.unsubscribe(newsletter.unsubscribe_token(subscriber), how="account page")
    messages.success(request, _("You will no longer receive the newsletter."))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_page(request):
    user = request.user
    profile = authors.profile_of(user)
    form = ProfileForm(initial={"display_name": profile.display_name, "bio": profile.bio})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "profile":
            form = ProfileForm(request.POST, request.FILES, user=user)
            if form.is_valid():
                data = form.cleaned_data
                authors.update_profile(user, display_name=data["display_name"], bio=data["bio"],
                                       photo=data["photo"], remove_photo=data["remove_photo"])
                messages.success(request, _("Your profile is saved. Your author page shows it now."))
                return redirect("my_account")
            status = 400
        elif action in ("subscribe", "unsubscribe") and user.email:
            (_subscribe if action == "subscribe" else _unsubscribe)(request, user.email)
            return redirect("my_account")
        else:
            return redirect("my_account")
    sessions = list(_live_sessions(user).order_by("-created_at")[:SESSIONS_SHOWN])
    for session in sessions:
        session.current = session.session_key == request.session.session_key
    return render(request, "newsroom/account_page.html", {
        "profile": profile,
        "profile_form": form,
        "addresses": EmailAddress.objects.filter(user=user).order_by("-primary", "email"),
        "subscriber": newsletter.subscription_of(user.email) if user.email else None,
        "newsletter_form": NewsletterForm(initial={"language": get_language()}),
        "sessions": sessions,
    }, status=status)
