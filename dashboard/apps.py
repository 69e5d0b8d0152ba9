from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    label = "dashboard"
    verbose_name = "Readyboard"
    default_auto_field = "django.db.models.BigAutoField"
