"""apps.core.bulk: set-based inserts and instances built from rows (the batch build's tools)."""

from __future__ import annotations

import pytest

from apps.core.bulk import instances_from_rows, rows_insert
from apps.creators.models import Creator

pytestmark = pytest.mark.django_db


def test_instances_from_rows_are_what_from_db_builds(creator_factory):
    creator = creator_factory(display_name="Row Built", kyc_level=2)
    fields = ("id", "display_name", "kyc_level", "status")
    rows = Creator.objects.filter(pk=creator.pk).values_list(*fields)
    (built,) = instances_from_rows(Creator, fields, rows)
    (loaded,) = Creator.objects.filter(pk=creator.pk).only(*fields)
    assert built == loaded and isinstance(built, Creator)
    assert (built.display_name, built.kyc_level, built.status) == ("Row Built", 2, "active")
    assert built.get_deferred_fields() == loaded.get_deferred_fields()
    assert "legal_name" in built.get_deferred_fields()
    assert built.get_status_display() == "Active"
    assert not built._state.adding and built._state.db == "default"
    # A deferred field is read on first access, like any deferred field.
    assert built.legal_name == creator.legal_name
    assert built.user_id == creator.user_id


def test_instances_need_their_primary_key_and_one_value_per_field():
    with pytest.raises(ValueError, match="primary key"):
        instances_from_rows(Creator, ("display_name",), [("x",)])
    with pytest.raises(ValueError):
        instances_from_rows(Creator, ("id", "display_name"), [(1,)])


def test_rows_insert_returns_ids_in_row_order(creator_factory):
    from apps.platforms.models import Platform

    count = Platform.objects.count()
    ids = rows_insert(
        Platform,
        {"slug": ["bulk-a", "bulk-b"], "name": ["Bulk A", "Bulk B"]},
    )
    assert list(
        Platform.objects.filter(pk__in=ids).order_by("pk").values_list("slug", flat=True)
    ) == [
        "bulk-a",
        "bulk-b",
    ]
    assert Platform.objects.get(pk=ids[0]).slug == "bulk-a"
    assert Platform.objects.count() == count + 2
