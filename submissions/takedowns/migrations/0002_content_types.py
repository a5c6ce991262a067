"""The content types of the moved models follow them: app label submissions → takedowns.

Permissions and admin log entries point at a content type by its id, so renaming the rows (not
creating new ones) keeps the Copyright staff group's permissions and every LogEntry of a case.
On a fresh database the rows exist already (submissions 0003 created them to grant those
permissions); a model whose row does not exist yet gets it later from post_migrate, under takedowns.
"""

from django.db import migrations

MODELS = (
    "takedowncounter",
    "takedowncase",
    "takedowncasearticle",
    "takedownmessage",
    "takedownattachment",
    "takedownevent",
    "counternotice",
)


def _move(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue  # already there (created by post_migrate in an earlier, interrupted run): keep it
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _move(apps, "submissions", "takedowns")


def backwards(apps, schema_editor):
    _move(apps, "takedowns", "submissions")


class Migration(migrations.Migration):
    dependencies = [
        ("takedowns", "0001_initial"),
        ("submissions", "0003_copyright_staff_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
