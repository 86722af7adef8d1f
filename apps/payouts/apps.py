from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "apps.payouts"
    label = "payouts"
    verbose_name = "Payouts"

    def ready(self) -> None:
        # The compliance scan's earnings source and KYC-limit rule (compliance cannot import
        # payouts or the ledger; payouts plugs them in).
        from apps.payouts.compliance_scan import register

        register()
