"""Waiver pages (included from dashboard/urls.py)."""

from django.urls import path

from dashboard.waivers import views

urlpatterns = [
    path("waivers/", views.waiver_list, name="waivers"),
    path("services/<slug:name>/waivers/", views.service_waivers, name="service-waivers"),
    path(
        "services/<slug:name>/waivers/<int:waiver_id>/revoke/",
        views.revoke,
        name="waiver-revoke",
    ),
]
