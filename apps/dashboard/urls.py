"""Pages of the dashboard, in three namespaces: ``dashboard`` (home, overview, health,
schedules, a user's own page), ``creators`` (staff pages of the creators, mounted at
/creators/) and ``earnings`` (a creator's own earnings, mounted at /earnings/, where no route
names a creator: every view reads the signed-in user's creator profile)."""

from django.urls import include, path

from .views import creators, earnings, home

dashboard_patterns = [
    path("", home.home_view, name="home"),
    path("overview/", home.overview_view, name="overview"),
    path("health/", home.health_view, name="health"),
    path("schedules/", home.schedules_view, name="schedules"),
    path("me/", home.creator_home_view, name="creator_home"),
]

creator_patterns = [
    path("", creators.creator_list_view, name="list"),
    path("<int:pk>/", creators.creator_detail_view, name="detail"),
    path("<int:pk>/status/", creators.creator_status_view, name="status"),
    path("<int:pk>/payout-hold/", creators.creator_payout_hold_view, name="payout_hold"),
]

earnings_patterns = [
    path("", earnings.earnings_home_view, name="home"),
    path("statement.csv", earnings.earnings_statement_view, name="statement"),
    path("entries/<int:pk>/", earnings.earnings_entry_view, name="entry"),
]

urlpatterns = [
    path("creators/", include((creator_patterns, "creators"))),
    path("earnings/", include((earnings_patterns, "earnings"))),
    path("", include((dashboard_patterns, "dashboard"))),
]
