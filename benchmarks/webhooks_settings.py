"""Settings of the webhook benchmark's gunicorn: the project's, with the baseline view's URLs.

DJANGO_SETTINGS_MODULE=benchmarks.webhooks_settings gunicorn fanzdash.wsgi
"""

from fanzdash.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.webhooks_urls"
