from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TakedownsConfig(AppConfig):
    """Copyright takedowns. Nested under submissions/ because the client fixed the top level of the
    repository, and takedowns are about submitted stories; its own app all the same (label `takedowns`),
    whose models keep the tables they had in submissions (docs/ARCHITECTURE.md)."""

    name = "submissions.takedowns"
    label = "takedowns"
    verbose_name = _("Copyright takedowns")

    def ready(self):
        from newsroom import inbound
        from submissions import services
        from submissions.takedowns import inbound as takedown_inbound
        from submissions.takedowns import privacy, workflow

        # Mail to COPYRIGHT_EMAIL (and TAKEDOWN_ADDRESSES) becomes takedown cases.
        inbound.register(inbound.TAKEDOWNS, takedown_inbound.handle_takedown)
        # The repeat-infringer policy of submissions counts the standing cases of this app.
        services.register_strike_counter(workflow.strikes)
        # Export my data, delete my account (newsroom/privacy.py): counter-notices and case events.
        privacy.register()
