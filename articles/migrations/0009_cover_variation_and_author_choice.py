"""Covers can be redrawn as a new variation; Editors choose an article's author from a search.

The admin's author field is an autocomplete over accounts, which Django allows only to those who may
view accounts: Editors get `auth.view_user` (idempotent, like 0005).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models


def install(apps, schema_editor):
    app_config = apps.get_app_config("auth")
    app_config.models_module = getattr(app_config, "models_module", None) or True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.get_or_create(name="Editors")[0]
    editors.permissions.add(*Permission.objects.filter(content_type__app_label="auth", codename="view_user"))


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0008_admin_list_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="cover_variation",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
