from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = _("Submissions")

    def ready(self):
        # articles may not import submissions, so it announces publication and we listen.
        from articles.signals import article_published
        from newsroom import inbound
        from submissions import notifications, privacy, stories_by_email

        article_published.connect(notifications.story_published, dispatch_uid="submissions.story_published")
        # Export my data, delete my account (newsroom/privacy.py).
        privacy.register()
        # Mail to SUBMISSIONS_EMAIL becomes a guest story waiting for its emailed confirmation.
        inbound.register(inbound.STORIES, stories_by_email.handle_story)
