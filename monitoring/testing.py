"""A real SMTP server on a free loopback port (aiosmtpd), for tests and benchmarks that check
what arrives (aiosmtpd comes with the development requirements).

`SmtpServer.start()` listens; `stop()` closes the port (an outage: connections are refused);
`start()` again listens on the same port. Every accepted message is kept with the time the
server accepted it.
"""

from __future__ import annotations

import email
import email.policy
import logging
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from sandbox.chain.anvil import free_port

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP verb


@dataclass(frozen=True)
class Received:
    accepted_at: float  # time.time() when the server accepted the message
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"]).strip()  # a folded, encoded header: no padding

    @property
    def alert_ids(self) -> list[int]:
        return [int(i) for i in str(self.message["X-LT-Alerts"]).split(",")]

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return str(part.get_content())
        raise LookupError(content_type)


class _Handler:
    def __init__(self, inbox: list[Received], lock: threading.Lock) -> None:
        self.inbox, self.lock = inbox, lock

    async def handle_DATA(  # noqa: N802 - the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.inbox.append(Received(time.time(), list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self.inbox: list[Received] = []
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        handler = _Handler(self.inbox, self.lock)
        self._controller = Controller(handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.inbox)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages()) >= count:
                return self.messages()
            time.sleep(0.02)
        return self.messages()
