from __future__ import annotations

from decimal import Decimal

from django import forms

from .models import Platform
from .services import MAX_GRACE_HOURS, MAX_HOLD_DAYS


class PlatformForm(forms.Form):
    """What staff may change on a platform. A plain form: it validates the shape; the service
    (platform_update) enforces the same rules and saves."""

    fee_percent = forms.DecimalField(
        label="Platform fee (%)",
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        help_text="Percent of gross the network keeps; 0 means creators keep 100%.",
    )
    hold_days = forms.IntegerField(
        label="Hold period (days)",
        min_value=0,
        max_value=MAX_HOLD_DAYS,
        help_text="Days before earnings become payable.",
    )
    status = forms.ChoiceField(choices=Platform.Status.choices)
    outbound_webhook_url = forms.URLField(
        label="Outbound webhook URL", required=False, max_length=200, assume_scheme="https"
    )

    @classmethod
    def for_platform(cls, platform: Platform, data=None) -> PlatformForm:
        return cls(
            data,
            initial={
                "fee_percent": platform.fee_percent,
                "hold_days": platform.hold_days,
                "status": platform.status,
                "outbound_webhook_url": platform.outbound_webhook_url,
            },
        )


class SecretRotateForm(forms.Form):
    grace_hours = forms.IntegerField(
        label="Grace period (hours)",
        min_value=0,
        max_value=MAX_GRACE_HOURS,
        initial=24,
        help_text="How long the current secrets stay valid; 0 revokes them now.",
    )


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        max_length=50,
        help_text="What the key is for, e.g. “BoyFanz backend (production)”.",
    )
    expires_days = forms.IntegerField(
        label="Expires after (days)",
        required=False,
        min_value=1,
        max_value=3650,
        help_text="Leave empty for a key that does not expire (revoke it when rotating).",
    )
