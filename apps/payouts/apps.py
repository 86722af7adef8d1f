from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "apps.payouts"
    label = "payouts"
    verbose_name = "Payouts"

    def ready(self) -> None:
        from .personal_data import register_personal_data

        register_personal_data()  # what personal data this app holds (apps.core.personal_data)
        # The compliance scan's earnings source and KYC-limit rule (compliance cannot import
        # payouts or the ledger; payouts plugs them in).
        from apps.payouts.compliance_scan import register

        register()
