# The email outbox (newsroom/mail.py) and the task workers' heartbeats (newsroom/background.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('newsroom', '0002_cache_tag_versions'),
    ]

    operations = [
        migrations.CreateModel(
            name='TaskWorker',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('worker_id', models.CharField(max_length=64, unique=True, verbose_name='worker id')),
                ('queues', models.CharField(max_length=200, verbose_name='queues')),
                ('hostname', models.CharField(max_length=255, verbose_name='host')),
                ('pid', models.PositiveIntegerField(verbose_name='process id')),
                ('started_at', models.DateTimeField(verbose_name='started at')),
                ('seen_at', models.DateTimeField(db_index=True, verbose_name='last heartbeat')),
            ],
            options={
                'verbose_name': 'task worker',
                'verbose_name_plural': 'task workers',
                'ordering': ['-seen_at'],
            },
        ),
        migrations.CreateModel(
            name='OutboundEmail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('pending', 'pending'), ('sending', 'sending'), ('sent', 'sent'), ('failed', 'failed')], default='pending', max_length=10, verbose_name='status')),
                ('message_id', models.CharField(max_length=255, unique=True, verbose_name='Message-ID')),
                ('recipients', models.JSONField(verbose_name='recipients')),
                ('subject', models.CharField(max_length=998, verbose_name='subject')),
                ('text', models.TextField(verbose_name='text')),
                ('html', models.TextField(blank=True, verbose_name='HTML')),
                ('headers', models.JSONField(blank=True, default=dict, verbose_name='headers')),
                ('attempts', models.PositiveIntegerField(default=0, verbose_name='attempts')),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('claimed_by', models.CharField(blank=True, max_length=64, verbose_name='sending worker')),
                ('claimed_at', models.DateTimeField(blank=True, null=True, verbose_name='sending started at')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
            ],
            options={
                'verbose_name': 'outbound email',
                'verbose_name_plural': 'outbound emails',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['status', 'created_at'], name='newsroom_ou_status_daef0e_idx')],
            },
        ),
    ]
