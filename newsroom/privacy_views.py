"""Export my data and delete my account: thin views over newsroom/privacy.py.

Both act on POST only, with the CSRF token, after allauth's reauthentication (the password, or the second
factor once MFA is installed): a POST without a recent reauthentication is held by allauth, the person
confirms who they are, and allauth replays the POST.
"""

from allauth.account.decorators import reauthentication_required
from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from newsroom import privacy, ratelimit


class DeleteAccountForm(forms.Form):
    username = forms.CharField(label=_("Type your username to confirm"), max_length=150, strip=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_username(self):
        if self.cleaned_data["username"] != self.user.get_username():
            raise forms.ValidationError(_("This is not your username."))
        return self.cleaned_data["username"]


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@reauthentication_required(allow_get=True)  # the page itself is shown; its POST is confirmed again
def export(request):
    if request.method != "POST":
        return _private(render(request, "newsroom/account_export.html"))
    limits = settings.DATA_EXPORT_RATE_LIMITS
    try:  # counted here, after reauthentication: a held POST is not an export
        ratelimit.enforce("data_export", [
            ("account", str(request.user.pk), *limits["account"]),
            ("ip", ratelimit.client_ip(request), *limits["ip"]),
        ])
    except ratelimit.RateLimited as error:
        response = render(request, "429.html", {"message": error.message}, status=429)
        response["Retry-After"] = str(error.retry_after)
        return _private(response)
    response = HttpResponse(privacy.export_json(request.user), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{privacy.export_filename(request.user)}"'
    return _private(response)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@reauthentication_required(allow_get=True)  # the page itself is shown; its POST is confirmed again
def delete(request):
    user = request.user
    allowed = privacy.may_delete_themselves(user)
    form = DeleteAccountForm(request.POST if request.method == "POST" and allowed else None, user=user)
    if request.method == "POST" and allowed and form.is_valid():
        privacy.delete_account(user, language=get_language())
        logout(request)
        return redirect("my_account_deleted")
    return _private(render(request, "newsroom/account_delete.html", {"form": form, "allowed": allowed},
                           status=403 if request.method == "POST" and not allowed else 200))


def deleted(request):
    return _private(render(request, "newsroom/account_deleted.html"))
