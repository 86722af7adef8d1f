from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "apps.outbound"
    label = "outbound"
    verbose_name = "Outbound webhooks"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (tells platforms about creator changes)
