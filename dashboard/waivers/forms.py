"""The form a maintainer fills in to waive or attest a check for one service."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from dashboard.models import CheckStatus, Repository, WaiverKind
from dashboard.waivers.service import known_checks

MIN_REASON = 10


def max_days() -> int:
    return getattr(settings, "READYBOARD_WAIVER_MAX_DAYS", 366)


class WaiverForm(forms.Form):
    check_id = forms.ChoiceField(label="Check")
    kind = forms.ChoiceField(
        choices=WaiverKind.choices,
        initial=WaiverKind.WAIVE,
        help_text="Waive: counts as met. Attest: you confirm what code cannot see (unknown).",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, strip=True,
        help_text="Why, for the next person who reads it.",
    )  # fmt: skip
    expires_on = forms.DateField(
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The waiver stops counting on this date.",
    )

    def __init__(self, *args, repository: Repository, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.repository = repository
        self.fields["check_id"].choices = [
            (check_id, f"{check_id} · {title}") for check_id, title in known_checks().items()
        ]

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if len(reason) < MIN_REASON:
            raise ValidationError(f"Give a reason of at least {MIN_REASON} characters.")
        return reason

    def clean_expires_on(self):
        expires = self.cleaned_data["expires_on"]
        today = timezone.now().date()
        if expires <= today:
            raise ValidationError("The expiry date must be in the future.")
        if expires > today + timedelta(days=max_days()):
            raise ValidationError(f"A waiver may last at most {max_days()} days; renew it later.")
        return expires

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == WaiverKind.ATTEST and data.get("check_id"):
            status = self._latest_status(data["check_id"])
            if status not in (None, CheckStatus.UNKNOWN):
                self.add_error(
                    "kind",
                    f"The scanner decided this check ({status}); only an undecided (unknown) "
                    "check can be attested. Waive it instead.",
                )
        return data

    def _latest_status(self, check_id: str) -> str | None:
        scan_id = self.repository.latest_scan_id
        if scan_id is None:
            return None
        from dashboard.models import CheckResult

        return (
            CheckResult.objects.filter(scan_id=scan_id, check_id=check_id)
            .values_list("status", flat=True)
            .first()
        )


class RevokeForm(forms.Form):
    note = forms.CharField(required=False, max_length=500, strip=True)
