from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = _("Submissions")

    def ready(self):
        # articles may not import submissions, so it announces publication and we listen.
        from articles.signals import article_published
        from submissions import notifications

        article_published.connect(notifications.story_published, dispatch_uid="submissions.story_published")
