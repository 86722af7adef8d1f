"""Compliance records, one module per obligation (kyc: KYC and age verifications;
violations: violations, their notes, suspension proposals and the scan's notices)."""

from apps.compliance.models.documents import (  # noqa: F401
    DocumentFile,
    ExportRun,
    IdentityDocument,
    Performer,
    PerformerName,
    Record2257,
    Record2257Version,
    RecordDeletionRefused,
)
from apps.compliance.models.gdpr import (  # noqa: F401
    DataSubjectRequest,
    ErasureLog,
    LegalHold,
    RequestPause,
)
from apps.compliance.models.kyc import (  # noqa: F401
    AgeVerification,
    KycProvider,
    KycProviderEvent,
    KycVerification,
)
from apps.compliance.models.violations import (  # noqa: F401
    ComplianceNotice,
    SuspensionProposal,
    Violation,
    ViolationNote,
)
