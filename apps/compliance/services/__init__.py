"""Compliance writes, one module per obligation (kyc: KYC and age verifications;
violations: violations, notes, the strike policy; scan: the daily compliance scan)."""

from apps.compliance.services.documents import (  # noqa: F401
    document_storage,
    identity_document_destroy,
    identity_document_file_open,
    identity_document_keys_reseal,
    identity_document_number,
    identity_document_retention_holds,
    identity_document_review,
    identity_document_upload,
    identity_file_check,
    performer_create,
    record_2257_amend,
    records_2257_export,
)
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
from apps.compliance.services.kyc_provider import (  # noqa: F401
    kyc_provider_event_process_now,
    kyc_provider_event_replay,
    kyc_provider_event_store,
    kyc_provider_events_due,
    kyc_provider_find,
    kyc_provider_payload_clean,
)
from apps.compliance.services.scan import (  # noqa: F401
    ScanReport,
    age_expiry_warnings_send,
    compliance_scan,
    id_document_expiry_warnings_send,
    levels_derive_where_stale,
)
from apps.compliance.services.violations import (  # noqa: F401
    NewViolation,
    Opened,
    strike_policy_apply,
    strikes_in_window,
    suspension_proposal_decide,
    violation_note_add,
    violation_open,
    violation_transition,
    violations_open_many,
)
