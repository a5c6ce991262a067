"""Existing accounts get allauth's EmailAddress rows: confirmed for active accounts (they confirmed by
the old activation link, or staff made them), unconfirmed for inactive ones (sign-ups never confirmed,
guests whose story was approved), which confirm by logging in or by a password reset. An inactive
account that has logged in before was closed by staff: its address stays confirmed, so that neither a
reset nor a confirmation reopens it (newsroom/accounts.py, awaiting_confirmation)."""

from django.conf import settings
from django.db import migrations


def create_email_addresses(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    EmailAddress = apps.get_model("account", "EmailAddress")
    taken = {email.lower() for email in EmailAddress.objects.values_list("email", flat=True)}
    have_one = set(EmailAddress.objects.values_list("user_id", flat=True))
    rows = []
    for user in User.objects.exclude(email="").order_by("-is_active", "pk").iterator():
        email = user.email.lower()
        if email in taken or user.pk in have_one:
            continue  # one account per address: the first active one keeps it
        taken.add(email)
        rows.append(EmailAddress(user_id=user.pk, email=email, primary=True, verified=user.is_active or user.last_login is not None))
    EmailAddress.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0006_inbound_message"),
        ("account", "0009_emailaddress_unique_primary_email"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_email_addresses, migrations.RunPython.noop)]
