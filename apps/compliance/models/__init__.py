"""Compliance records, one module per obligation (kyc: KYC and age verifications)."""

from apps.compliance.models.kyc import (  # noqa: F401
    AgeVerification,
    KycProvider,
    KycVerification,
)
