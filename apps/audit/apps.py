from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "apps.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from .personal_data import register_personal_data

        register_personal_data()  # what personal data this app holds (apps.core.personal_data)
