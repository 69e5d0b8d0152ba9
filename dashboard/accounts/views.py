"""Sign-in with throttling: a locked-out name or address gets 429 and a plain reason."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from dashboard.accounts import throttle

THROTTLED = "throttled"


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        THROTTLED: (
            "Too many failed sign-ins for this account or from this address. "
            "Wait %(minutes)s minutes and try again."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if throttle.is_locked(username, throttle.client_ip(self.request)):
            minutes = int(throttle.window().total_seconds() // 60)
            raise ValidationError(
                self.error_messages[THROTTLED], code=THROTTLED, params={"minutes": minutes}
            )
        return super().clean()


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = False

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(e.code == THROTTLED for e in form.non_field_errors().as_data()):
            response.status_code = 429
        return response
