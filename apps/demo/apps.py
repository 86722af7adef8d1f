from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo network (``manage.py seed_demo``): composes each app's ``demo.py``. It sits at
    the top of the layers, beside the dashboard; no app imports it."""

    name = "apps.demo"
    label = "demo"
    verbose_name = "Demo network"
