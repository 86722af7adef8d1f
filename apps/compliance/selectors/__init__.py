"""Compliance reads, one module per obligation (kyc: KYC and age verifications; violations:
the violations queue, a creator's violations, what payout eligibility asks)."""

from apps.compliance.selectors.documents import (  # noqa: F401
    creator_2257_gap,
    creator_has_complete_2257,
    creator_identity_documents,
    creator_record_2257,
    creators_with_incomplete_2257,
    document_review_queue,
    identity_document_get,
    last_2257_export,
    performer_identity_documents,
    record_2257_get,
    record_2257_retention_holds,
    records_2257,
)
from apps.compliance.selectors.gdpr import (  # noqa: F401
    gdpr_request_get_for,
    gdpr_request_pauses,
    gdpr_request_queue,
    gdpr_requests,
    gdpr_requests_for,
    legal_holds,
    personal_data_registrations,
)
from apps.compliance.selectors.home import (  # noqa: F401
    HOME_ROWS,
    SCORE_MIN_KYC_LEVEL,
    ComplianceHome,
    compliance_home,
    compliance_score,
)
from apps.compliance.selectors.kyc import (  # noqa: F401
    KYC_LIMIT_CURRENCY,
    ComplianceStatus,
    compliance_creators,
    creator_age_verifications,
    creator_compliance_status,
    creator_kyc_verifications,
    kyc_review_queue,
)
from apps.compliance.selectors.verification import (  # noqa: F401
    CreatorVerification,
    creator_verification,
)
from apps.compliance.selectors.violations import (  # noqa: F401
    RESPONSE_DAYS,
    SEVERITY_ORDER,
    CriticalViolation,
    creator_has_open_critical_violation,
    creator_suspension_proposal,
    creator_violations,
    creators_with_open_critical_violations,
    open_critical_violations,
    open_suspension_proposals,
    open_violation_counts,
    violation_detail,
    violation_due_at,
    violation_is_overdue,
    violation_notes,
    violation_queue,
    violations_for,
)
