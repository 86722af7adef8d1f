from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from apps.accounts.models import User
from apps.audit.admin_mixins import AuditedAdminMixin
from apps.core.exceptions import ApplicationError

from .models import Creator, PlatformAccount
from .resources import CreatorResource
from .services import (
    PROFILE_FIELDS,
    creator_create,
    creator_profile_update,
    creator_status_set,
    platform_account_link,
)

PROFILE_FORM_FIELDS = ["display_name", "legal_name", "country", "default_currency"]
# Derived from the compliance records (apps.compliance): shown, never edited here.
COMPLIANCE_READONLY_FIELDS = ["kyc_level", "age_verified_until", "compliance_note"]


class CreatorAddForm(forms.ModelForm):
    """A new creator with a new user (role creator); they set a password via the reset link."""

    email = forms.EmailField()

    class Meta:
        model = Creator
        fields = ["email", *PROFILE_FORM_FIELDS]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A user with this email address already exists.")
        return email


class PlatformAccountInline(admin.TabularInline):
    """Existing links, read-only: a platform's id for a creator is never edited or removed."""

    model = PlatformAccount
    fields = ["platform", "external_id", "username", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "platform accounts"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("platform")


class PlatformAccountLinkInline(admin.TabularInline):
    """Blank rows to link the creator to more platforms (saved through platform_account_link)."""

    model = PlatformAccount
    fields = ["platform", "external_id", "username"]
    extra = 1
    can_delete = False
    verbose_name = "new platform account"
    verbose_name_plural = "link to another platform"

    def get_queryset(self, request):
        return super().get_queryset(request).none()


@admin.register(Creator)
class CreatorAdmin(AuditedAdminMixin, ImportExportModelAdmin):
    resource_classes = [CreatorResource]
    formats = [CSV, XLSX]
    list_display = [
        "display_name",
        "email",
        "status",
        "kyc_level",
        "age_verified_until",
        "default_currency",
        "created_at",
    ]
    list_filter = ["status", "kyc_level", "default_currency", "platform_accounts__platform"]
    search_fields = [
        "display_name",
        "legal_name",
        "user__email",
        "=platform_accounts__external_id",
    ]
    list_select_related = ["user"]
    readonly_fields = ["user", "status", *COMPLIANCE_READONLY_FIELDS, "created_at", "updated_at"]
    fieldsets = (
        (None, {"fields": ["user", "status", *PROFILE_FORM_FIELDS]}),
        ("Compliance (derived)", {"fields": COMPLIANCE_READONLY_FIELDS}),
        ("Dates", {"fields": ["created_at", "updated_at"]}),
    )
    add_fieldsets = ((None, {"fields": ["email", *PROFILE_FORM_FIELDS]}),)
    inlines = [PlatformAccountInline, PlatformAccountLinkInline]
    actions = ["suspend_creators", "unsuspend_creators"]

    @admin.display(ordering="user__email")
    def email(self, creator: Creator) -> str:
        return creator.user.email

    @admin.display(description="Where to change them")
    def compliance_note(self, creator: Creator) -> str:
        # A URL name, not an import: the compliance app sits beside the ledger, above creators.
        return format_html(
            "The KYC level and the age verification are derived from the creator's KYC and age "
            'verifications: a compliance officer records and decides them on <a href="{}">the '
            "creator's compliance page</a>.",
            reverse("compliance:creator", args=[creator.pk]),
        )

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CreatorAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # creators are closed, never deleted (the ledger refers to them)

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("creators.add_creator")

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("creators.view_creator")

    def save_model(self, request, obj: Creator, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {
                name: data[name].pk if name == "default_currency" else data[name]
                for name in form.changed_data
                if name in PROFILE_FIELDS
            }
            saved = creator_profile_update(creator=obj, actor=request.user, **changes)
        else:
            saved = creator_create(
                email=data["email"],
                display_name=data["display_name"],
                legal_name=data["legal_name"],
                country=data["country"],
                default_currency=data["default_currency"].pk,
                actor=request.user,
            )
        obj.pk = saved.pk
        obj.user = saved.user
        obj.status = saved.status
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at
        obj._state.adding = False

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is not PlatformAccount:
            return super().save_formset(request, form, formset, change)
        creator = formset.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for link_form in formset.forms:
            data = link_form.cleaned_data
            if link_form.instance.pk is not None or not data or not data.get("platform"):
                continue  # existing links are read-only; blank extra rows are skipped
            account = platform_account_link(
                creator=creator,
                platform=data["platform"],
                external_id=data["external_id"],
                username=data.get("username", ""),
                actor=request.user,
            )
            formset.new_objects.append(account)
        return None

    def _status_set(self, request, queryset, status: str, verb: str) -> None:
        done, refused = 0, []
        for creator in queryset:
            try:
                creator_status_set(
                    creator=creator,
                    status=status,
                    actor=request.user,
                    reason=f"{verb} from the Django admin",
                )
            except ApplicationError as error:
                refused.append(f"{creator}: {error.detail}")
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} creator(s).", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Suspend selected creators", permissions=["suspend"])
    def suspend_creators(self, request, queryset) -> None:
        self._status_set(request, queryset, Creator.Status.SUSPENDED, "Suspended")

    @admin.action(description="Unsuspend selected creators", permissions=["suspend"])
    def unsuspend_creators(self, request, queryset) -> None:
        self._status_set(request, queryset, Creator.Status.ACTIVE, "Unsuspended")

    def has_suspend_permission(self, request) -> bool:
        return request.user.has_perm("creators.suspend_creator")
