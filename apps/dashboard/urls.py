from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("overview/", views.overview_view, name="overview"),
    path("health/", views.health_view, name="health"),
    path("schedules/", views.schedules_view, name="schedules"),
    path("me/", views.creator_home_view, name="creator_home"),
]
