from django.urls import path

from . import views

app_name = "compliance"

urlpatterns = [
    path("kyc/", views.kyc_queue_view, name="kyc_queue"),
    path("kyc/<int:pk>/decide/", views.kyc_decide_view, name="kyc_decide"),
    path("creators/<int:pk>/", views.creator_compliance_view, name="creator"),
    path("creators/<int:pk>/kyc/", views.kyc_request_view, name="kyc_request"),
    path("creators/<int:pk>/age/", views.age_verification_view, name="age_verification"),
    path(
        "creators/<int:pk>/documents/upload/",
        views.creator_document_upload_view,
        name="creator_document_upload",
    ),
    path("documents/<int:pk>/", views.document_view, name="document"),
    path("documents/files/<int:pk>/", views.document_file_view, name="document_file"),
    path("records-2257/", views.records_2257_view, name="records_2257"),
    path("records-2257/<int:pk>/", views.record_2257_view, name="record_2257"),
    path("records-2257/<int:pk>/amend/", views.record_2257_amend_view, name="record_2257_amend"),
    path("performers/new/", views.performer_create_view, name="performer_create"),
    path(
        "performers/<int:pk>/documents/upload/",
        views.performer_document_upload_view,
        name="performer_document_upload",
    ),
    path("gdpr/", views.gdpr_list_view, name="gdpr_list"),
    path("gdpr/new/", views.gdpr_new_view, name="gdpr_new"),
    path("gdpr/<int:pk>/", views.gdpr_detail_view, name="gdpr_detail"),
    path("gdpr/<int:pk>/export/", views.gdpr_export_view, name="gdpr_export"),
    path("gdpr/<int:pk>/<slug:action>/", views.gdpr_action_view, name="gdpr_action"),
    path("legal-holds/", views.legal_holds_view, name="legal_holds"),
    path("legal-holds/<int:pk>/release/", views.legal_hold_release_view, name="legal_hold_release"),
    path("violations/", views.violation_list_view, name="violations"),
    path("violations/new/", views.violation_open_view, name="violation_open"),
    path("violations/<int:pk>/", views.violation_detail_view, name="violation"),
    path(
        "violations/<int:pk>/transition/",
        views.violation_transition_view,
        name="violation_transition",
    ),
    path("violations/<int:pk>/notes/", views.violation_note_view, name="violation_note"),
    path("suspensions/<int:pk>/decide/", views.suspension_decide_view, name="suspension_decide"),
    path("me/verification/", views.my_verification_view, name="my_verification"),
    path("", views.compliance_home_view, name="home"),
    path("documents/", views.document_queue_view, name="document_queue"),
]
