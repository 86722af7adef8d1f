"""Compliance reads, one module per obligation (kyc: KYC and age verifications)."""

from apps.compliance.selectors.kyc import (  # noqa: F401
    KYC_LIMIT_CURRENCY,
    ComplianceStatus,
    compliance_creators,
    creator_age_verifications,
    creator_compliance_status,
    creator_kyc_verifications,
    kyc_review_queue,
)
