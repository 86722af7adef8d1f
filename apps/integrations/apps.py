from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "apps.integrations"
    label = "integrations"
    verbose_name = "Platform integrations"

    def ready(self) -> None:
        from .personal_data import register_personal_data

        register_personal_data()  # what personal data this app holds (apps.core.personal_data)
