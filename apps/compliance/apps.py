from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "apps.compliance"
    label = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        from .personal_data import register_personal_data

        register_personal_data()  # what personal data this app holds (apps.core.personal_data)
        from apps.compliance.services.scan import compliance_scan_rules_register

        compliance_scan_rules_register()
