"""Compliance writes, one module per obligation (kyc: KYC and age verifications)."""

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
from apps.compliance.services.kyc import (  # noqa: F401
    REASON_MAX_LENGTH,
    age_verification_record,
    creator_compliance_derive,
    kyc_expire_due,
    kyc_provider_get,
    kyc_verification_decide,
    kyc_verification_request,
)
