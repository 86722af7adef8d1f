"""Compliance staff pages, one module per obligation (kyc: KYC and age verifications;
violations: the violations queue, a violation, suspension decisions)."""

from apps.compliance.views.documents import (  # noqa: F401
    creator_document_upload_view,
    document_file_view,
    document_view,
    performer_create_view,
    performer_document_upload_view,
    record_2257_amend_view,
    record_2257_view,
    records_2257_view,
)
from apps.compliance.views.gdpr import (  # noqa: F401
    gdpr_action_view,
    gdpr_detail_view,
    gdpr_export_view,
    gdpr_list_view,
    gdpr_new_view,
    legal_hold_release_view,
    legal_holds_view,
)
from apps.compliance.views.home import (  # noqa: F401
    compliance_home_view,
    document_queue_view,
)
from apps.compliance.views.kyc import (  # noqa: F401
    PAGE_SIZE,
    REVIEW,
    age_verification_view,
    creator_compliance_view,
    kyc_decide_view,
    kyc_queue_view,
    kyc_request_view,
)
from apps.compliance.views.verification import (  # noqa: F401
    my_verification_view,
)
from apps.compliance.views.violations import (  # noqa: F401
    suspension_decide_view,
    violation_detail_view,
    violation_list_view,
    violation_note_view,
    violation_open_view,
    violation_transition_view,
)
