"""Compliance records, one module per obligation (kyc: KYC and age verifications)."""

from apps.compliance.models.gdpr import (  # noqa: F401
    DataSubjectRequest,
    ErasureLog,
    LegalHold,
    RequestPause,
)
from apps.compliance.models.kyc import (  # noqa: F401
    AgeVerification,
    KycProvider,
    KycVerification,
)
