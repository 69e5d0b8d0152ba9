from django.core.management.base import BaseCommand

from dashboard.scans.rescore import rescore_all


class Command(BaseCommand):
    help = "Recompute every stored scan's scores from its stored check results."

    def handle(self, *args, **options) -> None:
        changed = rescore_all()
        self.stdout.write(f"Rescored: {changed} scan(s) changed.")
