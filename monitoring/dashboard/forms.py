"""The kill switch's form: an action, the reason (written to the audit trail) and, for a
halt, a ticked confirmation of what a halt does."""

from __future__ import annotations

from typing import Any

from django import forms

HALT_MEANS = "No new entries; exits of held positions, stop-losses and redemptions still run."


class TradingStateForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("halt", "Halt"), ("resume", "Resume")], widget=forms.HiddenInput
    )
    reason = forms.CharField(
        max_length=500,
        error_messages={"required": "Say why: the reason goes to the audit trail."},
    )
    confirm = forms.BooleanField(required=False, label=HALT_MEANS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "halt" and not cleaned.get("confirm"):
            self.add_error("confirm", "Tick the confirmation to halt.")
        return cleaned
