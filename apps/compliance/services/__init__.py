"""Compliance writes, one module per obligation (kyc: KYC and age verifications)."""

from apps.compliance.services.gdpr import (  # noqa: F401
    Clock,
    ReplayResult,
    erasure_hash,
    erasure_log_entries,
    gdpr_clock,
    gdpr_due_at,
    gdpr_erasure_approve,
    gdpr_erasure_request,
    gdpr_export_build,
    gdpr_identity_check_decide,
    gdpr_identity_check_request,
    gdpr_replay_erasures,
    gdpr_request_complete,
    gdpr_request_create,
    gdpr_request_extend,
    gdpr_request_refuse,
    gdpr_request_subject,
    gdpr_request_take,
    legal_hold_place,
    legal_hold_release,
)
from apps.compliance.services.kyc import (  # noqa: F401
    REASON_MAX_LENGTH,
    age_verification_record,
    creator_compliance_derive,
    kyc_expire_due,
    kyc_provider_get,
    kyc_verification_decide,
    kyc_verification_request,
)
