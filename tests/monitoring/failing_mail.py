"""A mail backend whose server refuses every connection (a mail outage, in unit tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        raise ConnectionRefusedError(111, "Connection refused")


class PickyBackend(BaseEmailBackend):
    """Refuses any message that mentions "poison"; delivers the rest to the locmem outbox."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        import smtplib

        from django.core import mail

        for message in email_messages:
            if "poison" in message.body:
                raise smtplib.SMTPDataError(554, b"message refused")
        mail.outbox.extend(email_messages)
        return len(email_messages)
