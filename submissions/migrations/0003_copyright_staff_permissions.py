"""What the Copyright staff group may see in the admin (cases are handled on /copyright/cases/).

Idempotent: the group is created if missing and permissions are only ever added.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Copyright staff"
PERMISSIONS = {
    "takedowncase": ("view", "change"),  # "change" is what the admin's actions (start review, restore, close) need
    "takedowncasearticle": ("view",),
    "takedownmessage": ("view",),
    "takedownevent": ("view",),
    "counternotice": ("view",),
    "quarantinedmail": ("view", "change"),  # "change": retry or mark resolved
}


def install(apps, schema_editor):
    app_config = apps.get_app_config("submissions")
    app_config.models_module = getattr(app_config, "models_module", None) or True
    create_permissions(app_config, apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.get_or_create(name=GROUP)[0]
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions]
    group.permissions.add(*Permission.objects.filter(content_type__app_label="submissions", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0002_takedowns"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
