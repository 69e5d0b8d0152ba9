"""Weekly scans driven by Celery beat: see `dashboard.schedules.service`."""
