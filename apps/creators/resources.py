"""Creators in and out of spreadsheets (django-import-export).

Export is a plain read. Import never saves a model itself: each row goes through the services
(``creator_create``, ``platform_account_link``, ``creator_profile_update``,
``creator_status_set``), inside its own savepoint, so a bad row (unknown currency or platform,
an external id someone else holds, ...) is reported as a row error and nothing of it is
written, while the good rows are imported and audited. The ``kyc_level`` and
``age_verified_until`` columns are exported but ignored on import: they are derived from the
compliance records.
"""

from __future__ import annotations

from decimal import InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from import_export import fields, resources, widgets

from apps.accounts.models import User
from apps.core.csv import CsvSafeExportMixin, csv_unescape
from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError
from apps.platforms.models import Platform

from .models import Creator, PlatformAccount
from .services import (
    creator_create,
    creator_profile_update,
    creator_status_set,
    platform_account_link,
)

IMPORT_REASON = "Imported from a spreadsheet"


def _text(value) -> str:
    # A cell our export escaped against formulas ('=...) reads back as it was.
    return "" if value is None else csv_unescape(str(value).strip())


def parse_platforms(value) -> list[tuple[str, str]]:
    """``"boyfanz:abc, girlfanz:def"`` → ``[("boyfanz", "abc"), ("girlfanz", "def")]``."""
    pairs = []
    for item in _text(value).split(","):
        item = item.strip()
        if not item:
            continue
        slug, sep, external_id = item.partition(":")
        if not sep or not slug.strip() or not external_id.strip():
            raise ValueError(f"{item!r} is not slug:external_id.")
        pairs.append((slug.strip().lower(), external_id.strip()))
    return pairs


def _error_text(error: ApplicationError) -> str:
    if isinstance(error.detail, dict):
        return "; ".join(str(value) for value in error.detail.values())
    return str(error.detail)


class CreatorResource(CsvSafeExportMixin, resources.ModelResource):
    id = fields.Field(attribute="id", column_name="id", widget=widgets.IntegerWidget())
    email = fields.Field(attribute="user__email", column_name="email", readonly=True)
    default_currency = fields.Field(attribute="default_currency_id", column_name="default_currency")
    platforms = fields.Field(column_name="platforms", readonly=True)
    # Exported for reading; an import ignores them: they are derived from the compliance
    # records (apps.compliance), never typed into a spreadsheet.
    kyc_level = fields.Field(attribute="kyc_level", column_name="kyc_level", readonly=True)
    age_verified_until = fields.Field(
        attribute="age_verified_until",
        column_name="age_verified_until",
        readonly=True,
        widget=widgets.DateWidget(format="%Y-%m-%d"),
    )

    class Meta:
        model = Creator
        fields = [
            "id",
            "email",
            "display_name",
            "legal_name",
            "country",
            "status",
            "kyc_level",
            "age_verified_until",
            "default_currency",
            "platforms",
        ]
        export_order = fields
        import_id_fields = ["id"]
        clean_model_instances = False
        use_transactions = True  # each row's savepoint, and the dry run's rollback, need it
        skip_unchanged = False
        use_bulk = False

    # --- export -------------------------------------------------------------------------

    def get_queryset(self):
        return Creator.objects.select_related("user").prefetch_related(
            "platform_accounts__platform"
        )

    def dehydrate_email(self, creator: Creator) -> str:
        pending = getattr(creator, "_import", None)
        if pending is not None and creator.user_id is None:
            return pending["email"]
        return creator.user.email if creator.user_id else ""

    def dehydrate_platforms(self, creator: Creator) -> str:
        if creator.pk is None:
            pending = getattr(creator, "_import", None)
            pairs = pending["platforms"] if pending else []
            return ",".join(f"{slug}:{external_id}" for slug, external_id in pairs)
        return ",".join(
            f"{account.platform.slug}:{account.external_id}"
            for account in creator.platform_accounts.all()
        )

    # --- import -------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        # (platform slug, external id) → row number, to refuse a duplicate inside the file.
        self._claimed: dict[tuple[str, str], int] = {}
        self._emails: dict[str, int] = {}
        self._platforms = {platform.slug: platform for platform in Platform.objects.all()}

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except (ValueError, InvalidOperation):
            raise ValidationError({"id": f"{row.get('id')!r} is not a creator id."}) from None

    def import_instance(self, instance: Creator, row, **kwargs):
        """Check and parse the row (no write). Sets the instance's fields for the preview and
        keeps the parsed values in ``instance._import`` for ``save_instance``."""
        errors: dict[str, str] = {}
        is_new = instance.pk is None
        row_number = kwargs.get("row_number", 0)
        parsed: dict = {}

        if is_new and _text(row.get("id")):
            errors["id"] = f"No creator with id {_text(row.get('id'))}; leave id empty to add one."

        email = _text(row.get("email")).lower()
        if is_new:
            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = f"{email!r} is not an email address."
            else:
                if User.objects.filter(email__iexact=email).exists():
                    errors["email"] = f"A user with {email} already exists."
                elif email in self._emails:
                    errors["email"] = f"{email} is already on row {self._emails[email]}."
        elif email and email != instance.user.email.lower():
            errors["email"] = "The email of an existing creator is changed on their account."
        parsed["email"] = email

        display_name = _text(row.get("display_name"))
        if not display_name:
            errors["display_name"] = "A display name is required."
        elif len(display_name) > 100:
            errors["display_name"] = "At most 100 characters."
        parsed["display_name"] = display_name

        legal_name = _text(row.get("legal_name"))
        if len(legal_name) > 200:
            errors["legal_name"] = "At most 200 characters."
        parsed["legal_name"] = legal_name

        country = _text(row.get("country")).upper()
        if country and (len(country) != 2 or not country.isalpha()):
            errors["country"] = f"{country!r} is not an ISO 3166-1 alpha-2 code."
        parsed["country"] = country

        status = _text(row.get("status")).lower() or Creator.Status.ACTIVE
        if status not in Creator.Status.values:
            errors["status"] = f"Unknown status {status!r}."
        parsed["status"] = status

        currency = _text(row.get("default_currency")).upper() or "USD"
        try:
            currency_exponent(currency)
        except ApplicationError:
            errors["default_currency"] = f"Unknown currency {currency!r}."
        parsed["default_currency"] = currency

        try:
            pairs = parse_platforms(row.get("platforms"))
        except ValueError as error:
            errors["platforms"] = str(error)
            pairs = []
        problems = []
        linked = {}
        if not is_new:
            linked = {
                account.platform.slug: account.external_id
                for account in instance.platform_accounts.select_related("platform")
            }
        seen_slugs: set[str] = set()
        for slug, external_id in pairs:
            platform = self._platforms.get(slug)
            if platform is None:
                problems.append(f"unknown platform {slug!r}")
                continue
            if slug in seen_slugs:
                problems.append(f"{slug} is listed twice")
                continue
            seen_slugs.add(slug)
            if slug in linked and linked[slug] != external_id:
                problems.append(f"already linked to {slug} as {linked[slug]!r}")
                continue
            holder = (
                PlatformAccount.objects.filter(platform=platform, external_id=external_id)
                .values_list("creator_id", flat=True)
                .first()
            )
            if holder is not None and holder != instance.pk:
                problems.append(f"{slug} id {external_id!r} belongs to another creator")
            elif (slug, external_id) in self._claimed:
                other_row = self._claimed[(slug, external_id)]
                problems.append(f"{slug} id {external_id!r} is already on row {other_row}")
        if problems:
            errors["platforms"] = "; ".join(problems)
        parsed["platforms"] = pairs

        if errors:
            raise ValidationError(errors)

        # Claimed only once the row is valid, so a bad row does not block a later good one.
        for slug, external_id in pairs:
            self._claimed[(slug, external_id)] = row_number
        if is_new:
            self._emails[email] = row_number
        instance._import = parsed
        for name in ("display_name", "legal_name", "country", "status"):
            setattr(instance, name, parsed[name])
        instance.default_currency_id = currency

    def save_instance(self, instance: Creator, is_create, row, **kwargs):
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return  # nothing may be written and nothing could be rolled back
        actor = kwargs.get("user")
        parsed = instance._import
        try:
            # The row's own savepoint: a refusal half-way leaves nothing of the row behind.
            with transaction.atomic():
                creator = self._write(instance, is_create, parsed, actor)
        except ApplicationError as error:
            raise ValidationError({"__all__": _error_text(error)}) from None
        instance.pk = instance.id = creator.pk
        instance.user = creator.user
        instance.created_at = creator.created_at
        instance.updated_at = creator.updated_at

    def _write(self, instance: Creator, is_create: bool, parsed: dict, actor) -> Creator:
        if is_create:
            creator = creator_create(
                email=parsed["email"],
                display_name=parsed["display_name"],
                legal_name=parsed["legal_name"],
                country=parsed["country"],
                default_currency=parsed["default_currency"],
                actor=actor,
            )
        else:
            creator = Creator.objects.get(pk=instance.pk)
            creator = creator_profile_update(
                creator=creator,
                actor=actor,
                display_name=parsed["display_name"],
                legal_name=parsed["legal_name"],
                country=parsed["country"],
                default_currency=parsed["default_currency"],
            )
        for slug, external_id in parsed["platforms"]:
            platform_account_link(
                creator=creator,
                platform=self._platforms[slug],
                external_id=external_id,
                actor=actor,
            )
        if parsed["status"] != creator.status:
            creator = creator_status_set(
                creator=creator, status=parsed["status"], actor=actor, reason=IMPORT_REASON
            )
        return creator

    def after_import(self, dataset, result, **kwargs):
        # ModelResource.after_import resets the primary-key sequence, which matters only when
        # rows carry their own ids; the services let the database choose them.
        return None
