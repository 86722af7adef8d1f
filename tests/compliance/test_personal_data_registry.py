"""Every app that holds personal data declares it in the registry (``apps.core.personal_data``):
a model with an email-, name-, address- or username-like field belongs to a registration, or
is listed here as not personal with the reason. A new app or model cannot forget."""

from __future__ import annotations

import re

from django.apps import apps

from apps.core.personal_data import registered_models, registrations

PERSONAL_FIELD = re.compile(
    r"(^|_)(email|e_mail|name|first_name|last_name|legal_name|display_name|username|address|"
    r"phone|date_of_birth|ip)($|_)"
)

# Models whose matching fields name things, not people.
NOT_PERSONAL = {
    "auth.group": "a role's name",
    "auth.permission": "a permission's name",
    "contenttypes.contenttype": "a model's name",
    "core.currency": "a currency's name",
    "platforms.platform": "a platform's name",
    "platforms.platformapikey": "an API key's label",
    "rest_framework_api_key.apikey": "an API key's label",
    "payouts.processor": "a payout processor's name",
    "compliance.kycprovider": "a KYC provider's name",
    "django_celery_beat.periodictask": "a scheduled task's name",
    "django_celery_beat.clockedschedule": "a schedule",
    "django_celery_beat.crontabschedule": "a schedule",
    "django_celery_beat.intervalschedule": "a schedule",
    "django_celery_beat.solarschedule": "a schedule",
    "django_celery_beat.periodictasks": "a schedule",
}


def _personal_fields(model) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if PERSONAL_FIELD.search(field.name) and not field.is_relation
    ]


def test_every_model_with_personal_fields_is_registered():
    covered = registered_models()
    missing = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in NOT_PERSONAL or label in covered:
            continue
        fields = _personal_fields(model)
        if fields:
            missing.append(f"{label} ({', '.join(fields)})")
    assert missing == [], (
        "These models hold personal-looking fields but no app's personal_data.py declares "
        f"them: {missing}. Register them (apps/<app>/personal_data.py) or list them in "
        "NOT_PERSONAL with the reason."
    )


def test_every_registered_model_exists_and_each_registration_can_export_and_erase():
    for registration in registrations():
        for label in registration.models:
            assert apps.get_model(label)  # a typo would raise LookupError
        assert callable(registration.export) and callable(registration.erase)
        assert registration.describe


def test_the_apps_holding_personal_data_are_registered():
    keys = {registration.key for registration in registrations()}
    assert {
        "accounts",
        "audit",
        "creators",
        "payouts",
        "integrations",
        "outbound",
        "compliance.kyc",
        "compliance.gdpr",
    } <= keys


def test_the_ledger_holds_no_names():
    """The ledger keeps ids (account keys like ``creator:12:USD:available``), not names: it
    is not in the registry and erasure leaves it alone."""
    ledger = apps.get_app_config("ledger")
    for model in ledger.get_models():
        assert _personal_fields(model) == [], model
    assert "ledger" not in {registration.app_label for registration in registrations()}


def test_scrub_replaces_whole_words_only_and_keeps_numbers_and_keys():
    from apps.core.personal_data import Pseudonym, Subject, scrub

    subject = Subject()
    subject.add_emails(["Ann@X.test"])
    subject.add_names(["Creator 3", "Bo"])  # "Bo" is too short to search for
    pseudonym = Pseudonym(9)
    value = {
        "email": "ann@x.test",
        "other": "joann@x.test and ann@x.test.",
        "names": ["Creator 3", "Creator 31", "creator 3's payout", "Bo", "Bob"],
        "amount": 1999,
        "Creator 3": "key kept",
    }
    assert scrub(value, subject, pseudonym) == {
        "email": "erased-9@invalid",
        "other": "joann@x.test and erased-9@invalid.",
        "names": [
            "Erased subject #9",
            "Creator 31",
            "Erased subject #9's payout",
            "Bo",
            "Bob",
        ],
        "amount": 1999,
        "Creator 3": "key kept",
    }
    assert scrub("erased-9@invalid", subject, pseudonym) == "erased-9@invalid"
