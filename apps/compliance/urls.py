from django.urls import path

from . import views

app_name = "compliance"

urlpatterns = [
    path("kyc/", views.kyc_queue_view, name="kyc_queue"),
    path("kyc/<int:pk>/decide/", views.kyc_decide_view, name="kyc_decide"),
    path("creators/<int:pk>/", views.creator_compliance_view, name="creator"),
    path("creators/<int:pk>/kyc/", views.kyc_request_view, name="kyc_request"),
    path("creators/<int:pk>/age/", views.age_verification_view, name="age_verification"),
]
