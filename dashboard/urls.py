"""URL map: admin, sign-in, then one module of URL patterns per area of the site."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("dashboard.accounts.urls")),  # throttled sign-in, sign-out
    path("", include("dashboard.views.fleet_urls")),
    path("", include("dashboard.views.service_urls")),
    path("", include("dashboard.integrations.urls")),
    path("", include("dashboard.waivers.urls")),
]
