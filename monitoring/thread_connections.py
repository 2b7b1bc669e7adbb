"""A thread's database connections are closed when the thread ends.

Django keeps a connection per thread and closes it at the end of a request only once it is
older than CONN_MAX_AGE. A server that gives each client connection a thread of its own
(`runserver`) leaves the connection of every finished thread to the garbage collector:
Django's connection objects sit in reference cycles, so that takes until the next full
collection, and anything else that holds the driver's connection keeps it open for ever. An
FT sender that opens a TCP connection per signal then uses up PostgreSQL's connections in
minutes. So every thread that opens a connection gets a guard in thread-local storage;
CPython drops a thread's thread-local storage as the thread ends, and the guard closes
what the thread opened.

Threads that live on (gunicorn's sync worker, gthread's pool, the executor's pool) keep
their connection as before, for CONN_MAX_AGE: one per thread.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper


class _Guard:
    """Closes, when its thread ends, the connections that thread opened."""

    def __init__(self) -> None:
        self.wrappers: list[weakref.ref[BaseDatabaseWrapper]] = []

    def hold(self, wrapper: BaseDatabaseWrapper) -> None:
        self.wrappers = [ref for ref in self.wrappers if ref() not in (None, wrapper)]
        self.wrappers.append(weakref.ref(wrapper))

    def __del__(self) -> None:
        for ref in self.wrappers:
            wrapper = ref()
            # A connection shared with other threads (a live test server's) is theirs too.
            if wrapper is None or wrapper.allow_thread_sharing:
                continue
            raw = wrapper.connection
            if raw is not None:
                # The driver's own close: the thread is going, and with it Django's state.
                with contextlib.suppress(Exception):
                    raw.close()


_local = threading.local()


def connection_guard(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: the new connection ends with the current thread."""
    guard = getattr(_local, "guard", None)
    if guard is None:
        guard = _local.guard = _Guard()
    guard.hold(connection)
