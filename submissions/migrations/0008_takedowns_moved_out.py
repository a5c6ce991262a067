"""The takedown models left for submissions.takedowns (app label `takedowns`): removed from this app's migration
state only; their tables stay, now the takedowns app's (Meta.db_table keeps their names)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('submissions', '0007_submission_channel'),
        ('takedowns', '0001_initial'),
        ('takedowns', '0002_content_types'),
    ]

    # Only Django's idea of the models changes: the tables stay as they are (Meta.db_table).
    state_operations = [
        migrations.RemoveField(
            model_name='counternotice',
            name='case',
        ),
        migrations.RemoveField(
            model_name='counternotice',
            name='filed_by',
        ),
        migrations.RemoveField(
            model_name='counternotice',
            name='recorded_by',
        ),
        migrations.RemoveConstraint(
            model_name='takedownattachment',
            name='takedown_attachment_unique',
        ),
        migrations.RemoveIndex(
            model_name='takedowncase',
            name='takedown_restore_idx',
        ),
        migrations.RemoveConstraint(
            model_name='takedowncase',
            name='takedown_unique_number',
        ),
        migrations.RemoveConstraint(
            model_name='takedowncasearticle',
            name='takedown_article_once',
        ),
        migrations.DeleteModel(
            name='TakedownCounter',
        ),
        migrations.RemoveIndex(
            model_name='takedownevent',
            name='takedown_event_case_idx',
        ),
        migrations.RemoveIndex(
            model_name='takedownevent',
            name='takedown_event_stats_idx',
        ),
        migrations.RemoveIndex(
            model_name='takedownmessage',
            name='takedown_message_case_idx',
        ),
        migrations.RemoveIndex(
            model_name='takedownmessage',
            name='takedown_message_auto_idx',
        ),
        migrations.DeleteModel(
            name='CounterNotice',
        ),
        migrations.RemoveField(
            model_name='takedowncase',
            name='articles',
        ),
        migrations.RemoveField(
            model_name='takedowncasearticle',
            name='article',
        ),
        migrations.RemoveField(
            model_name='takedowncasearticle',
            name='case',
        ),
        migrations.RemoveField(
            model_name='takedownevent',
            name='actor',
        ),
        migrations.RemoveField(
            model_name='takedownevent',
            name='case',
        ),
        migrations.RemoveField(
            model_name='takedownevent',
            name='message',
        ),
        migrations.RemoveField(
            model_name='takedownmessage',
            name='case',
        ),
        migrations.DeleteModel(
            name='TakedownAttachment',
        ),
        migrations.DeleteModel(
            name='TakedownCaseArticle',
        ),
        migrations.DeleteModel(
            name='TakedownEvent',
        ),
        migrations.DeleteModel(
            name='TakedownCase',
        ),
        migrations.DeleteModel(
            name='TakedownMessage',
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[])]
