"""While the database is away: a 503 with Retry-After and a JSON body, and quiet logs.

Without this a lost database turned every request into Django's HTML 500 page and a full
traceback in the log (25 MB in 30 s under load), and a client could not tell "retry later"
from "your request is wrong". The connection and statement timeouts (settings: DB_*) make
the error arrive in seconds instead of when gunicorn kills the worker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("ltproject.database")

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    """Answer 503 (JSON, Retry-After) for a request whose view lost the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            return unavailable(exception)
        return None


def unavailable(error: Exception) -> HttpResponse:
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    logger.warning("database unavailable: %s", first_line)
    response = JsonResponse(
        {"detail": "The database is unavailable; nothing was changed. Retry later."},
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class RepeatedRecordFilter(logging.Filter):
    """Let one record per (logger, message template, level) through every `seconds`; the
    next one let through says how many were held back. An outage logs a line every few
    seconds, not one per request."""

    def __init__(self, seconds: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.seconds, self.clock = seconds, clock
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str, int], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg), record.levelno)
        now = self.clock()
        with self._lock:
            last, held = self._seen.get(key, (float("-inf"), 0))
            if now - last < self.seconds:
                self._seen[key] = (last, held + 1)
                return False
            self._seen[key] = (now, 0)
            if len(self._seen) > 10_000:  # bounded: forget the oldest half
                for old in sorted(self._seen, key=lambda k: self._seen[k][0])[:5_000]:
                    del self._seen[old]
        if held:
            record.msg = f"{record.msg} [{held} more like this in the last {self.seconds:g} s]"
        return True
