"""Compliance writes, one module per obligation (kyc: KYC and age verifications)."""

from apps.compliance.services.kyc import (  # noqa: F401
    REASON_MAX_LENGTH,
    age_verification_record,
    creator_compliance_derive,
    kyc_expire_due,
    kyc_provider_get,
    kyc_verification_decide,
    kyc_verification_request,
)
