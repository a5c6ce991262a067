"""The staff groups, and what Editors may do with the articles app.

Idempotent: groups are created if missing and permissions only ever added, so running it on a
database where seed_demo (or a person) already made the groups changes nothing else.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("Moderators", "Copyright staff", "Editors")
EDITOR_PERMISSIONS = {
    "article": ("add", "change", "view"),
    "tag": ("add", "change", "view"),
    "category": ("add", "change", "view"),
    "disclaimer": ("add", "change", "view"),
    "page": ("add", "change", "view"),
    "authorprofile": ("add", "change", "view"),
    "newslettersubscriber": ("view",),
    "articleevent": ("view",),
    "slugredirect": ("view",),
}


def install(apps, schema_editor):
    # Permissions are normally created after all migrations ran (post_migrate); make sure they exist now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = getattr(app_config, "models_module", None) or True
    create_permissions(app_config, apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in GROUPS}
    codenames = [f"{action}_{model}" for model, actions in EDITOR_PERMISSIONS.items() for action in actions]
    permissions = Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
    groups["Editors"].permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_slug_redirects_and_uploaded_covers"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
