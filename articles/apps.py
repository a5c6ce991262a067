from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles")

    def ready(self):
        from anymail.signals import tracking

        from articles import newsletter_bounces, privacy, search
        from newsroom import inbound
        from newsroom import privacy as privacy_rights

        post_migrate.connect(search.ensure_sqlite_index, sender=self, dispatch_uid="articles.search.ensure_sqlite_index")
        # Email providers' bounce and complaint webhooks (/anymail/<esp>/tracking/) suppress newsletter addresses.
        tracking.connect(newsletter_bounces.on_tracking_event, dispatch_uid="articles.newsletter_bounces")
        # ... and so do delivery status notifications mailed to NEWSLETTER_BOUNCE_EMAIL.
        inbound.register(inbound.NEWSLETTER_BOUNCES, newsletter_bounces.handle_mail)
        # Export my data, delete my account (newsroom/privacy.py): the profile, the newsletter, the stories.
        privacy_rights.register("articles", exporter=privacy.export, eraser=privacy.erase,
                                identifies=privacy.identifies, rules=privacy.RULES)
