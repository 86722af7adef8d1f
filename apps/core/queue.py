"""Queueing Celery tasks by their registered name.

A service that starts background work of its own app names the task instead of importing
``tasks.py`` (which imports the services: that import would run in a circle). The name is
looked up in Celery's registry, which autodiscovery fills with every app's ``tasks.py``.
"""

from __future__ import annotations

from celery import current_app
from django.db import transaction


def task_get(name: str):
    """The task registered as ``name``. A worker has autodiscovered every ``tasks.py`` when it
    started; a web process does it the first time it needs a task."""
    try:
        return current_app.tasks[name]
    except KeyError:
        current_app.loader.import_default_modules()  # runs the app's autodiscovery
        return current_app.tasks[name]


def task_send(name: str, *args, **options) -> None:
    """Queue the task registered as ``name`` with ``args`` (``countdown=``, ``eta=``, ...)."""
    task_get(name).apply_async(args, **options)


def task_send_on_commit(name: str, *args, **options) -> None:
    """:func:`task_send` once the current transaction commits (house rule 3: side effects
    after commit, by id); at once outside a transaction."""
    transaction.on_commit(lambda: task_send(name, *args, **options))
