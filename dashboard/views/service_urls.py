"""One service's pages: overview, checks, scans, endpoints."""

urlpatterns: list = []
