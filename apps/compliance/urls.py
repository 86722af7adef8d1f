from django.urls import path

from . import views

app_name = "compliance"

urlpatterns = [
    path("kyc/", views.kyc_queue_view, name="kyc_queue"),
    path("kyc/<int:pk>/decide/", views.kyc_decide_view, name="kyc_decide"),
    path("creators/<int:pk>/", views.creator_compliance_view, name="creator"),
    path("creators/<int:pk>/kyc/", views.kyc_request_view, name="kyc_request"),
    path("creators/<int:pk>/age/", views.age_verification_view, name="age_verification"),
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
]
