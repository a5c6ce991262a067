"""The takedown models, moved out of submissions: their tables already exist (created by submissions 0002 and
0005, names kept by Meta.db_table), so this only tells Django's migration state they are here now."""

import django.db.models.deletion
import django.utils.timezone
import submissions.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('submissions', '0005_mail_guard'),
        ('articles', '0016_performance_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # Only Django's idea of the models changes: the tables stay as they are (Meta.db_table).
    state_operations = [
        migrations.CreateModel(
            name='TakedownCase',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(editable=False, max_length=20, unique=True, verbose_name='reference')),
                ('year', models.PositiveIntegerField(editable=False)),
                ('number', models.PositiveIntegerField(editable=False)),
                ('status', models.CharField(choices=[('received', 'Received'), ('needs_info', 'Waiting for information'), ('under_review', 'Under review'), ('upheld', 'Upheld: article disabled'), ('dismissed', 'Dismissed'), ('counter_noticed', 'Counter-notice filed'), ('restored', 'Restored'), ('closed', 'Closed')], db_index=True, default='received', max_length=20, verbose_name='status')),
                ('source', models.CharField(choices=[('web', 'Web form'), ('email', 'Email')], max_length=10, verbose_name='received by')),
                ('language', models.CharField(choices=[('en', 'English'), ('ko', 'Korean')], default='en', max_length=2, verbose_name='language for emails')),
                ('complainant_name', models.CharField(blank=True, max_length=200, verbose_name='name')),
                ('complainant_organisation', models.CharField(blank=True, max_length=200, verbose_name='organisation')),
                ('complainant_address', models.TextField(blank=True, max_length=1000, verbose_name='postal address')),
                ('complainant_email', models.EmailField(blank=True, db_index=True, max_length=254, verbose_name='email address')),
                ('complainant_phone', models.CharField(blank=True, max_length=50, verbose_name='phone')),
                ('forwarded_from', models.EmailField(blank=True, help_text='For a forwarded notice: the address of its original sender.', max_length=254, verbose_name='originally sent by')),
                ('work_description', models.TextField(blank=True, max_length=5000, verbose_name='copyrighted work')),
                ('reported_urls', models.TextField(blank=True, help_text='One per line, as reported.', verbose_name='reported addresses')),
                ('good_faith_statement', models.BooleanField(default=False, verbose_name='good-faith statement')),
                ('accuracy_statement', models.BooleanField(default=False, verbose_name='accuracy statement under penalty of perjury')),
                ('signature', models.CharField(blank=True, max_length=200, verbose_name='electronic signature')),
                ('missing_elements', models.JSONField(blank=True, default=list, help_text='What the notice lacked when it arrived.', verbose_name='missing elements')),
                ('received_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='received')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided')),
                ('restore_after', models.DateTimeField(blank=True, null=True, verbose_name='restore after')),
                ('court_action', models.BooleanField(default=False, verbose_name='complainant went to court')),
            ],
            options={
                'verbose_name': 'takedown case',
                'verbose_name_plural': 'takedown cases',
                'db_table': 'submissions_takedowncase',
                'ordering': ['-received_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='TakedownCounter',
            fields=[
                ('year', models.PositiveIntegerField(primary_key=True, serialize=False)),
                ('last', models.PositiveIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'takedown case counter',
                'verbose_name_plural': 'takedown case counters',
                'db_table': 'submissions_takedowncounter',
            },
        ),
        migrations.CreateModel(
            name='CounterNotice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('material', models.TextField(blank=True, max_length=5000, verbose_name='material removed and where it appeared')),
                ('explanation', models.TextField(blank=True, max_length=5000, verbose_name='explanation')),
                ('mistake_statement', models.BooleanField(default=False, verbose_name='statement under penalty of perjury of a mistake')),
                ('name', models.CharField(blank=True, max_length=200, verbose_name='name')),
                ('address', models.TextField(blank=True, max_length=1000, verbose_name='address')),
                ('phone', models.CharField(blank=True, max_length=50, verbose_name='phone')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                ('jurisdiction_consent', models.BooleanField(default=False, verbose_name='consent to jurisdiction')),
                ('signature', models.CharField(blank=True, max_length=200, verbose_name='electronic signature')),
                ('text', models.TextField(blank=True, help_text='When staff record a counter-notice that arrived by post or email.', verbose_name='counter-notice as received')),
                ('language', models.CharField(choices=[('en', 'English'), ('ko', 'Korean')], default='en', max_length=2, verbose_name='language')),
                ('filed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='filed')),
                ('filed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='counter_notices', to=settings.AUTH_USER_MODEL, verbose_name='filed by')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by staff')),
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='counter_notice', to='takedowns.takedowncase')),
            ],
            options={
                'verbose_name': 'counter-notice',
                'verbose_name_plural': 'counter-notices',
                'db_table': 'submissions_counternotice',
            },
        ),
        migrations.CreateModel(
            name='TakedownCaseArticle',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('url', models.CharField(blank=True, max_length=500, verbose_name='reported address')),
                ('disabled', models.BooleanField(default=False, verbose_name='disabled by this case')),
                ('added_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='linked')),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='takedown_links', to='articles.article', verbose_name='article')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='case_articles', to='takedowns.takedowncase')),
            ],
            options={
                'verbose_name': 'article in a case',
                'verbose_name_plural': 'articles in cases',
                'db_table': 'submissions_takedowncasearticle',
                'ordering': ['added_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='takedowncase',
            name='articles',
            field=models.ManyToManyField(blank=True, related_name='takedown_cases', through='takedowns.TakedownCaseArticle', to='articles.article', verbose_name='articles'),
        ),
        migrations.CreateModel(
            name='TakedownMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('direction', models.CharField(choices=[('in', 'Received'), ('out', 'Sent')], max_length=3, verbose_name='direction')),
                ('message_id', models.CharField(max_length=255, unique=True, verbose_name='Message-ID')),
                ('synthetic_message_id', models.BooleanField(default=False, verbose_name='Message-ID made up by us')),
                ('in_reply_to', models.CharField(blank=True, max_length=255, verbose_name='In-Reply-To')),
                ('references', models.TextField(blank=True, verbose_name='References')),
                ('from_name', models.CharField(blank=True, max_length=200, verbose_name='from (name)')),
                ('from_address', models.CharField(blank=True, max_length=254, verbose_name='from')),
                ('to_addresses', models.TextField(blank=True, verbose_name='to')),
                ('subject', models.CharField(blank=True, max_length=998, verbose_name='subject')),
                ('text', models.TextField(blank=True, verbose_name='text')),
                ('template', models.CharField(blank=True, max_length=60, verbose_name='email template')),
                ('language', models.CharField(choices=[('en', 'English'), ('ko', 'Korean')], default='en', max_length=2, verbose_name='language')),
                ('date', models.DateTimeField(blank=True, null=True, verbose_name='date in the message')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='recorded')),
                ('auto_submitted', models.BooleanField(default=False, verbose_name='automatic message')),
                ('held', models.BooleanField(default=False, help_text='Not from the complainant: kept on the case without acting on it.', verbose_name='held for staff')),
                ('source_id', models.CharField(blank=True, max_length=500, verbose_name='read from')),
                ('raw', models.BinaryField(blank=True, default=submissions.models._no_raw, verbose_name='original message')),
                ('size', models.PositiveIntegerField(default=0, verbose_name='size (bytes)')),
                ('attachments', models.JSONField(blank=True, default=list, help_text='Name, type and size of each attachment in the original message.', verbose_name='attachments')),
                ('defects', models.JSONField(blank=True, default=list, verbose_name='repairs made while reading')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='messages', to='takedowns.takedowncase')),
            ],
            options={
                'verbose_name': 'takedown message',
                'verbose_name_plural': 'takedown messages',
                'db_table': 'submissions_takedownmessage',
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='TakedownEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('status', 'Status change'), ('email_in', 'Email received'), ('email_out', 'Email sent'), ('articles', 'Articles linked'), ('court', 'Court action recorded'), ('note', 'Note')], default='status', max_length=10, verbose_name='kind')),
                ('from_status', models.CharField(blank=True, choices=[('received', 'Received'), ('needs_info', 'Waiting for information'), ('under_review', 'Under review'), ('upheld', 'Upheld: article disabled'), ('dismissed', 'Dismissed'), ('counter_noticed', 'Counter-notice filed'), ('restored', 'Restored'), ('closed', 'Closed')], max_length=20, verbose_name='from')),
                ('to_status', models.CharField(blank=True, choices=[('received', 'Received'), ('needs_info', 'Waiting for information'), ('under_review', 'Under review'), ('upheld', 'Upheld: article disabled'), ('dismissed', 'Dismissed'), ('counter_noticed', 'Counter-notice filed'), ('restored', 'Restored'), ('closed', 'Closed')], max_length=20, verbose_name='to')),
                ('reason', models.TextField(blank=True, verbose_name='reason or message')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='time')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='takedowns.takedowncase')),
                ('message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='takedowns.takedownmessage')),
            ],
            options={
                'verbose_name': 'takedown event',
                'verbose_name_plural': 'takedown events',
                'db_table': 'submissions_takedownevent',
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='TakedownAttachment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField(verbose_name='position')),
                ('filename', models.CharField(blank=True, max_length=200, verbose_name='file name')),
                ('content_type', models.CharField(blank=True, max_length=100, verbose_name='type')),
                ('data', models.BinaryField(verbose_name='content')),
                ('message', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attachment_files', to='takedowns.takedownmessage')),
            ],
            options={
                'verbose_name': 'takedown message attachment',
                'verbose_name_plural': 'takedown message attachments',
                'db_table': 'submissions_takedownattachment',
                'ordering': ['message', 'position'],
            },
        ),
        migrations.AddConstraint(
            model_name='takedowncasearticle',
            constraint=models.UniqueConstraint(fields=('case', 'article'), name='takedown_article_once'),
        ),
        migrations.AddIndex(
            model_name='takedowncase',
            index=models.Index(fields=['status', 'restore_after'], name='takedown_restore_idx'),
        ),
        migrations.AddConstraint(
            model_name='takedowncase',
            constraint=models.UniqueConstraint(fields=('year', 'number'), name='takedown_unique_number'),
        ),
        migrations.AddIndex(
            model_name='takedownmessage',
            index=models.Index(fields=['case', 'created_at'], name='takedown_message_case_idx'),
        ),
        migrations.AddIndex(
            model_name='takedownmessage',
            index=models.Index(fields=['direction', 'auto_submitted', 'created_at'], name='takedown_message_auto_idx'),
        ),
        migrations.AddIndex(
            model_name='takedownevent',
            index=models.Index(fields=['case', 'created_at'], name='takedown_event_case_idx'),
        ),
        migrations.AddIndex(
            model_name='takedownevent',
            index=models.Index(fields=['kind', 'to_status', 'created_at'], name='takedown_event_stats_idx'),
        ),
        migrations.AddConstraint(
            model_name='takedownattachment',
            constraint=models.UniqueConstraint(fields=('message', 'position'), name='takedown_attachment_unique'),
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[])]
