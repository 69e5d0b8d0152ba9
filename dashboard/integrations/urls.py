"""URL patterns of the integrations (API, exports, badges, metrics, health)."""

urlpatterns: list = []
