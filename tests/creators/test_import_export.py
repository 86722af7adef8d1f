from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.creators.models import Creator, PlatformAccount
from apps.creators.resources import CreatorResource
from apps.creators.services import creator_status_set

HEADER = (
    "id,email,display_name,legal_name,country,status,kyc_level,age_verified_until,"
    "default_currency,platforms"
)

GOOD_ROWS = [
    ",new.one@example.test,New One,Nora One,us,active,2,2030-06-30,USD,boyfanz:nw-1",
    ',new.two@example.test,New Two,,DE,suspended,0,,EUR,"girlfanz:nw-2, pupfanz:nw-2p"',
]


def _dataset(*rows: str) -> tablib.Dataset:
    return tablib.Dataset().load("\n".join([HEADER, *rows]), format="csv")


def _import(rows, *, dry_run: bool, user=None):
    return CreatorResource().import_data(_dataset(*rows), dry_run=dry_run, user=user)


def _errors(result) -> dict[int, dict]:
    return {row.number: row.error_dict for row in result.invalid_rows}


# --- export ------------------------------------------------------------------------------


def test_export_csv_contains_every_creator(creator_factory, django_assert_max_num_queries):
    one = creator_factory(
        display_name="Exported One",
        platforms=("boyfanz", "girlfanz"),
        legal_name="Legal One",
        country="GB",
        kyc_level=3,
        age_verified_until=date(2030, 1, 31),
    )
    two = creator_factory(display_name="Exported Two", currency="JPY", kyc_level=0)
    creator_status_set(creator=two, status="suspended", actor=None)
    for _ in range(5):
        creator_factory()
    with django_assert_max_num_queries(4):
        dataset = CreatorResource().export()
    rows = list(csv.DictReader(io.StringIO(dataset.csv)))
    assert len(rows) == 7
    assert list(rows[0]) == HEADER.split(",")
    by_id = {row["id"]: row for row in rows}
    first = by_id[str(one.pk)]
    assert first["email"] == one.user.email
    assert first["display_name"] == "Exported One" and first["legal_name"] == "Legal One"
    assert first["country"] == "GB" and first["status"] == "active"
    assert first["kyc_level"] == "3" and first["age_verified_until"] == "2030-01-31"
    assert first["default_currency"] == "USD"
    assert first["platforms"] == f"boyfanz:boyfanz-{one.pk},girlfanz:girlfanz-{one.pk}"
    second = by_id[str(two.pk)]
    assert (second["status"], second["default_currency"], second["kyc_level"]) == (
        "suspended",
        "JPY",
        "0",
    )


def test_admin_exports_csv_and_xlsx(client_for, super_admin, creator_factory):
    creator = creator_factory(display_name="Admin Export", platforms=("pupfanz",))
    client = client_for(super_admin)
    url = reverse("admin:creators_creator_export")
    assert client.get(url).status_code == 200
    fields = {
        f"creatorresource_{name}": "on"
        for name in [
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
    }
    response = client.post(url, {"format": "0", "resource": "0", **fields})  # CSV
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "Admin Export" in text and f"pupfanz:pupfanz-{creator.pk}" in text

    response = client.post(url, {"format": "1", "resource": "0", **fields})  # XLSX
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["id", "email", "display_name"]
    assert any("Admin Export" in row for row in values[1:])


HYPERLINK = '=HYPERLINK("http://x","y")'


def test_exports_escape_formulas_and_read_back_unchanged(client_for, super_admin, creator_factory):
    creator = creator_factory(display_name=HYPERLINK, legal_name="-Minus", kyc_level=2)
    client = client_for(super_admin)
    url = reverse("admin:creators_creator_export")
    fields = {
        f"creatorresource_{name}": "on"
        for name in ["id", "email", "display_name", "legal_name", "kyc_level", "platforms"]
    }
    text = client.post(url, {"format": "0", "resource": "0", **fields}).content.decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert (row["display_name"], row["legal_name"], row["kyc_level"]) == (
        "'" + HYPERLINK,
        "'-Minus",
        "2",
    )
    workbook = client.post(url, {"format": "1", "resource": "0", **fields}).content
    sheet = load_workbook(io.BytesIO(workbook)).active
    names = [row[2].value for row in sheet.iter_rows(min_row=2)]
    assert names == ["'" + HYPERLINK]
    assert sheet.cell(row=2, column=3).data_type == "s"  # text, not a formula

    # Imported again, the escaped cells are what they were: nothing changes.
    events = AuditEvent.objects.count()
    result = CreatorResource().import_data(
        tablib.Dataset().load(CreatorResource().export().csv, format="csv"),
        dry_run=False,
        user=super_admin,
    )
    assert not result.has_errors() and not result.has_validation_errors(), _errors(result)
    creator.refresh_from_db()
    assert (creator.display_name, creator.legal_name) == (HYPERLINK, "-Minus")
    assert AuditEvent.objects.count() == events


def test_support_may_export_but_not_import(client_for, support_user):
    client = client_for(support_user)
    assert client.get(reverse("admin:creators_creator_export")).status_code == 200
    assert client.get(reverse("admin:creators_creator_import")).status_code == 403


# --- import ------------------------------------------------------------------------------


def test_dry_run_writes_nothing(super_admin):
    users, events = User.objects.count(), AuditEvent.objects.count()
    result = _import(GOOD_ROWS, dry_run=True, user=super_admin)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 2
    assert not Creator.objects.exists() and not PlatformAccount.objects.exists()
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, events)


def test_import_creates_through_the_services(super_admin):
    result = _import(GOOD_ROWS, dry_run=False, user=super_admin)
    assert not result.has_errors() and not result.has_validation_errors()
    one = Creator.objects.get(user__email="new.one@example.test")
    assert (one.display_name, one.legal_name, one.country) == ("New One", "Nora One", "US")
    # The kyc_level and age_verified_until columns are read-only: derived by compliance.
    assert (one.kyc_level, one.age_verified_until) == (0, None)
    assert one.user.role == "creator" and one.status == "active"
    assert [(a.platform.slug, a.external_id) for a in one.platform_accounts.all()] == [
        ("boyfanz", "nw-1")
    ]
    two = Creator.objects.get(user__email="new.two@example.test")
    assert (two.status, two.default_currency_id, two.age_verified_until) == (
        "suspended",
        "EUR",
        None,
    )
    assert sorted(two.platform_accounts.values_list("external_id", flat=True)) == [
        "nw-2",
        "nw-2p",
    ]
    for action, count in [
        ("creator.created", 2),
        ("creator.platform_linked", 3),
        ("creator.suspended", 1),
        ("user.created", 2),
    ]:
        events = AuditEvent.objects.filter(action=action)
        assert events.count() == count, action
        assert all(event.actor == super_admin for event in events)


BAD_ROWS = {
    "default_currency": ",bad.currency@example.test,Bad Cur,,,active,1,,XYZ,boyfanz:bc-1",
    "platforms": ",bad.platform@example.test,Bad Plat,,,active,1,,USD,nofanz:bp-1",
    "email": ",not-an-email,Bad Mail,,,active,1,,USD,",
    "display_name": ",no.name@example.test,,,,active,1,,USD,",
    "status": ",bad.status@example.test,Bad Status,,,frozen,1,,USD,",
    "country": ",bad.country@example.test,Bad Country,,USA,active,1,,USD,",
}


@pytest.mark.parametrize("field", sorted(BAD_ROWS))
def test_a_bad_row_is_a_row_error_and_writes_nothing(super_admin, field):
    rows = [GOOD_ROWS[0], BAD_ROWS[field]]
    result = _import(rows, dry_run=False, user=super_admin)
    assert not result.has_errors()  # no crash: a validation error on row 2 only
    errors = _errors(result)
    assert list(errors) == [2] and field in errors[2], errors
    assert list(Creator.objects.values_list("display_name", flat=True)) == ["New One"]
    assert PlatformAccount.objects.count() == 1
    assert not User.objects.filter(email__startswith="bad.").exists()


def test_duplicate_external_ids_are_refused(super_admin, creator_factory):
    existing = creator_factory(platforms=("boyfanz",))
    taken = f"boyfanz-{existing.pk}"
    rows = [
        f",dup.db@example.test,Dup Db,,,active,1,,USD,boyfanz:{taken}",
        ",first@example.test,First,,,active,1,,USD,girlfanz:shared",
        ",second@example.test,Second,,,active,1,,USD,girlfanz:shared",
        ',twice@example.test,Twice,,,active,1,,USD,"pupfanz:a,pupfanz:b"',
        f",{existing.user.email},Same Email,,,active,1,,USD,",
        ',third@example.test,Third,,,active,1,,USD,"boyfanz:x,boyfanz:x2"',
    ]
    events = AuditEvent.objects.count()
    result = _import(rows, dry_run=False, user=super_admin)
    errors = _errors(result)
    assert sorted(errors) == [1, 3, 4, 5, 6]
    assert "belongs to another creator" in errors[1]["platforms"][0]
    assert "'shared'" in errors[3]["platforms"][0]  # row 2 holds it now
    assert "listed twice" in errors[4]["platforms"][0]
    assert "already exists" in errors[5]["email"][0]
    assert list(Creator.objects.exclude(pk=existing.pk).values_list("display_name", flat=True)) == [
        "First"
    ]
    # only row 2 was written: its user, creator and one link
    assert AuditEvent.objects.count() == events + 3
    assert PlatformAccount.objects.get(external_id="shared").creator.display_name == "First"


def test_a_service_refusal_mid_row_leaves_nothing_of_the_row(super_admin, monkeypatch):
    """If a service refuses after the creator was made (here: linking), the row's savepoint
    takes the creator and its user back with it."""
    from apps.core.exceptions import ApplicationError
    from apps.creators import resources

    def refuse(**kwargs):
        raise ApplicationError("external_id_taken", "taken just now")

    monkeypatch.setattr(resources, "platform_account_link", refuse)
    result = _import([GOOD_ROWS[0]], dry_run=False, user=super_admin)
    assert _errors(result)[1]["__all__"] == ["taken just now"]
    assert not Creator.objects.exists()
    assert not User.objects.filter(email="new.one@example.test").exists()
    assert not AuditEvent.objects.filter(action="creator.created").exists()


def test_reimporting_an_export_changes_nothing(super_admin, creator_factory):
    creator_factory(platforms=("boyfanz", "girlfanz"), legal_name="Same")
    creator_factory(currency="EUR")
    exported = CreatorResource().export().csv
    events = AuditEvent.objects.count()
    result = CreatorResource().import_data(
        tablib.Dataset().load(exported, format="csv"), dry_run=False, user=super_admin
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["update"] == 2
    assert AuditEvent.objects.count() == events
    assert PlatformAccount.objects.count() == 3


def test_import_updates_existing_creators_through_the_services(super_admin, creator_factory):
    creator = creator_factory(platforms=("boyfanz",), kyc_level=1)
    row = (
        f"{creator.pk},{creator.user.email},Renamed,Legal Name,FR,suspended,2,2031-05-01,USD,"
        f'"boyfanz:boyfanz-{creator.pk},taboofanz:tb-9"'
    )
    result = _import([row], dry_run=False, user=super_admin)
    assert not result.has_errors() and not result.has_validation_errors()
    creator.refresh_from_db()
    # The sheet's KYC level (2) and age date are ignored: compliance records set them.
    assert (creator.display_name, creator.country, creator.kyc_level) == ("Renamed", "FR", 1)
    assert creator.age_verified_until is None
    assert creator.status == "suspended"
    assert creator.platform_accounts.count() == 2
    updated = AuditEvent.objects.get(action="creator.updated")
    assert "kyc_level" not in updated.after and "age_verified_until" not in updated.after
    assert updated.actor == super_admin
    assert AuditEvent.objects.filter(action="creator.suspended").count() == 1
    # an unknown id or a changed email is refused
    bad = [
        "99999,ghost@example.test,Ghost,,,active,1,,USD,",
        f"{creator.pk},other@example.test,Renamed,,,suspended,2,,USD,",
        "abc,x@example.test,X,,,active,1,,USD,",
    ]
    result = _import(bad, dry_run=False, user=super_admin)
    errors = _errors(result)
    assert not result.has_errors()  # row errors only: the good rows of a file still go in
    assert "id" in errors[1] and "email" in errors[2] and "id" in errors[3]
    creator.refresh_from_db()
    assert creator.user.email != "other@example.test"


def test_admin_import_dry_run_then_confirm(client_for, super_admin):
    client = client_for(super_admin)
    content = "\n".join([HEADER, *GOOD_ROWS]).encode()
    response = client.post(
        reverse("admin:creators_creator_import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("creators.csv", content, "text/csv"),
        },
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert not Creator.objects.exists()  # the preview is a dry run
    confirm = response.context["confirm_form"]
    response = client.post(
        reverse("admin:creators_creator_process_import"),
        {name: confirm.initial[name] for name in confirm.fields if name in confirm.initial},
    )
    assert response.status_code == 302
    assert Creator.objects.count() == 2
    assert AuditEvent.objects.filter(action="creator.created", actor=super_admin).count() == 2


def test_admin_import_reports_bad_rows(client_for, super_admin):
    content = "\n".join([HEADER, GOOD_ROWS[0], BAD_ROWS["default_currency"]]).encode()
    response = client_for(super_admin).post(
        reverse("admin:creators_creator_import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("creators.csv", content, "text/csv"),
        },
    )
    assert response.status_code == 200
    assert response.context["result"].has_validation_errors()
    assert b"Unknown currency" in response.content
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not Creator.objects.exists()


def test_xlsx_round_trip_and_new_rows(super_admin, creator_factory):
    from import_export.formats.base_formats import XLSX

    existing = creator_factory(
        platforms=("boyfanz",), kyc_level=2, age_verified_until=date(2031, 3, 4)
    )
    dataset = CreatorResource().export()
    dataset.append(
        ["", "sheet@example.test", "From Sheet", "", "CA", "active", 3, date(2032, 1, 1), "CAD", ""]
    )
    workbook = XLSX().export_data(dataset)
    loaded = XLSX().create_dataset(workbook)
    result = CreatorResource().import_data(loaded, dry_run=False, user=super_admin)
    assert not result.has_errors() and not result.has_validation_errors(), _errors(result)
    assert (result.totals["update"], result.totals["new"]) == (1, 1)
    sheet = Creator.objects.get(user__email="sheet@example.test")
    assert (sheet.kyc_level, sheet.age_verified_until, sheet.default_currency_id) == (
        0,  # read-only columns: derived by compliance, not taken from the sheet
        None,
        "CAD",
    )
    existing.refresh_from_db()
    assert existing.age_verified_until == date(2031, 3, 4)
    assert not AuditEvent.objects.filter(action="creator.updated", actor=super_admin).exists()
