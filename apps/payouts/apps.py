from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "apps.payouts"
    label = "payouts"
    verbose_name = "Payouts"

    def ready(self) -> None:
        from . import crypto  # noqa: F401  (registers the key deploy check)
