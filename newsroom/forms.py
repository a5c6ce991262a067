from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

User = get_user_model()


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        label=_("Email address"), max_length=254,
        help_text=_("We send a link to this address to confirm it."),
    )
    display_name = forms.CharField(
        label=_("Display name"), max_length=100,
        help_text=_("Shown as the byline of your published stories."),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "display_name")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this email address already exists. Log in or reset your password instead.")
            )
        return email
