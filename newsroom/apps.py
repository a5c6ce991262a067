from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"

    def ready(self):
        from newsroom import checks  # noqa: F401  (registers the production checks)
