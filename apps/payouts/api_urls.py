"""API routes of the payouts app (mounted at /api/v1/payouts/)."""

urlpatterns: list = []
