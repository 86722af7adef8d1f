from django.apps import AppConfig


class CreatorsConfig(AppConfig):
    name = "apps.creators"
    label = "creators"
    verbose_name = "Creators"

    def ready(self) -> None:
        from .personal_data import register_personal_data

        register_personal_data()  # what personal data this app holds (apps.core.personal_data)
