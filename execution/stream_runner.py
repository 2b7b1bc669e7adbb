"""The venue's two WebSocket channels, kept connected, one acting process per deployment.

`manage.py lt_stream` runs a `StreamRunner`: it takes the `lt_stream` lease (a second process
stands by and takes over within `LEASE_SECONDS` of the first one dying), then keeps
  - the user channel (authenticated with the L2 credentials): trades into fills;
  - the market channel for every token with an open position or an open order: books,
    price changes, ticks, stops on every change (execution/stream.py).
Each channel reconnects with exponential backoff and jitter and subscribes again; after any gap
(a reconnect) it is healed from REST before the stream is trusted again: books are read over
REST (market) and a fill sync runs (user). The text "PING" goes every 10 s, as the venue asks.
Polling stays as the safety net and the reconciler the source of truth.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import close_old_connections, connections, reset_queries
from django.db.models import F
from django.utils import timezone
from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from monitoring.leases import lease_release, lease_renew, lease_take

from .models import Order, OrderStatus, StreamStatus
from .stream import StreamProcessor
from .sync import fills_sync
from .venue import Book
from .venue.messages import MalformedMessage, Message, messages_parse
from .venue.session import get_venue

log = logging.getLogger(__name__)

LEASE = "lt_stream"
LEASE_SECONDS = 6.0  # a dead holder is replaced within this (plus one standby poll)
RENEW_EVERY_S = 1.0  # the lease, and the status row health and a take-over read
PING_EVERY_S = 10.0
RESUBSCRIBE_EVERY_S = 2.0  # how often the market channel re-reads what it should follow
BACKOFF_FIRST_S, BACKOFF_MAX_S = 0.2, 10.0
RECEIVE_TIMEOUT_S = 0.5
OPEN_AT_VENUE = (OrderStatus.LIVE, OrderStatus.DELAYED, OrderStatus.SUBMITTED, OrderStatus.UNKNOWN)


def backoff_s(attempt: int) -> float:
    """Exponential backoff with full jitter: never two clients in step, never over the cap."""
    return random.uniform(0, min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2**attempt))


class Channel:
    """One WebSocket channel: connect, subscribe, read until it breaks, heal, again."""

    def __init__(self, name: str, url: str, runner: StreamRunner) -> None:
        self.name = name
        self.url = url
        self.runner = runner
        self.connected = False
        self.messages = 0
        self.gaps = 0  # reconnects
        self.heals = 0  # REST snapshots taken on (re)connecting
        self.last_gap_at: datetime | None = None
        self.written = (0, 0, 0)  # messages, gaps, heals as last added to the status row
        self.subscribed: set[str] = set()
        self._last_ping = 0.0

    # What differs between the channels.
    def first_message(self) -> dict[str, object]:
        raise NotImplementedError

    def heal(self) -> None:
        """After a gap: what the stream may have missed, from REST."""

    def on_open(self, socket: ClientConnection) -> None:
        """Right after subscribing."""

    def on_idle(self, socket: ClientConnection) -> None:
        """Between reads."""

    def run(self) -> None:
        try:
            self._run()
        finally:
            connections.close_all()  # this thread's own database connection

    def _run(self) -> None:
        attempt = 0
        first = True
        while not self.runner.halt.is_set():
            try:
                with connect(self.url, open_timeout=5, ping_interval=None) as socket:
                    socket.send(json.dumps(self.first_message()))
                    self.connected, attempt = True, 0
                    if not first:
                        self.gaps += 1
                        self.last_gap_at = timezone.now()
                    if self._guarded(self.heal):  # every (re)connect starts from REST's view
                        self.heals += 1
                    first = False
                    self.on_open(socket)
                    self._read(socket)
            except (OSError, TimeoutError, WebSocketException) as error:
                # A reconnect is routine (the venue drops connections); health counts them.
                (log.debug if self.runner.halt.is_set() else log.info)(
                    "stream %s: %s", self.name, error
                )
            finally:
                self.connected = False
                close_old_connections()
            if self.runner.halt.wait(backoff_s(attempt)):
                return
            attempt += 1

    def _read(self, socket: ClientConnection) -> None:
        while not self.runner.halt.is_set():
            try:
                frame = socket.recv(timeout=RECEIVE_TIMEOUT_S)
            except TimeoutError:
                frame = None
            if frame is not None and frame != "PONG":
                self._handle(frame)
            now = time.monotonic()
            if now - self._last_ping >= PING_EVERY_S:
                socket.send("PING")
                self._last_ping = now
            self.on_idle(socket)
            reset_queries()  # see `StreamRunner.run`

    def _handle(self, frame: str | bytes) -> None:
        try:
            messages = messages_parse(frame)
        except MalformedMessage as error:
            log.warning("stream %s: %s", self.name, error.message)
            return
        self.messages += len(messages)
        self._guarded(lambda: self.runner.processor_handle(messages))

    def _guarded(self, work: Callable[[], object]) -> bool:
        # One bad message or a database hiccup must not end the channel.
        try:
            work()
        except Exception:
            log.exception("stream %s: handling failed", self.name)
            close_old_connections()
            return False
        return True


class MarketChannel(Channel):
    def __init__(self, url: str, runner: StreamRunner) -> None:
        super().__init__("market", url, runner)
        self._resubscribed = 0.0

    def first_message(self) -> dict[str, object]:
        self.subscribed = self.runner.wanted_tokens()
        return {"type": "market", "assets_ids": sorted(self.subscribed)}

    def heal(self) -> None:
        if self.subscribed:
            self.runner.processor_snapshot(get_venue().books(sorted(self.subscribed)))

    def on_idle(self, socket: ClientConnection) -> None:
        now = time.monotonic()
        if now - self._resubscribed < RESUBSCRIBE_EVERY_S:
            return
        self._resubscribed = now
        wanted = self.runner.wanted_tokens()
        added, removed = wanted - self.subscribed, self.subscribed - wanted
        if added:
            socket.send(json.dumps({"operation": "subscribe", "assets_ids": sorted(added)}))
        if removed:
            socket.send(json.dumps({"operation": "unsubscribe", "assets_ids": sorted(removed)}))
            self.runner.processor_forget(removed)
        self.subscribed = wanted


class UserChannel(Channel):
    def __init__(self, url: str, runner: StreamRunner) -> None:
        super().__init__("user", url, runner)

    def first_message(self) -> dict[str, object]:
        creds = get_venue().credentials()
        auth = {
            "apiKey": creds.api_key,
            "secret": creds.api_secret,
            "passphrase": creds.api_passphrase,
        }
        return {"type": "user", "auth": auth, "markets": []}

    def heal(self) -> None:
        fills_sync()


class StreamRunner:
    """Both channels in threads while this process holds the lease."""

    def __init__(self, *, ws_host: str | None = None) -> None:
        host = (ws_host or settings.CLOB_WS_HOST).rstrip("/")
        self.stopping = threading.Event()  # the process is asked to end
        self.halt = threading.Event()  # the channels are to end (stopping, or the lease lost)
        self.processor = StreamProcessor()
        self._lock = threading.Lock()  # the processor is shared by both channel threads
        self.channels: list[Channel] = [
            MarketChannel(f"{host}/ws/market", self),
            UserChannel(f"{host}/ws/user", self),
        ]
        self.token = ""

    # --- shared state -------------------------------------------------------------------

    def wanted_tokens(self) -> set[str]:
        """Tokens to follow: every open position's (its stops) and every open order's."""
        with self._lock:
            held = self.processor.holdings_reload()
        ordered = set(
            Order.objects.filter(status__in=OPEN_AT_VENUE, mode="live").values_list(
                "token_id", flat=True
            )
        )
        return held | ordered

    def positions_changed(self) -> None:
        """Re-read the open positions now (one opened without the stream seeing its fill)."""
        with self._lock:
            self.processor.holdings_reload()

    def processor_handle(self, messages: list[Message]) -> None:
        with self._lock:
            self.processor.handle(messages)

    def processor_snapshot(self, books: list[Book]) -> None:
        with self._lock:
            self.processor.snapshot(books)

    def processor_forget(self, tokens: set[str]) -> None:
        with self._lock:
            self.processor.forget(tokens)

    # --- the process --------------------------------------------------------------------

    def run(self, *, standby_poll_s: float = 1.0) -> None:
        """Until `stop()`: stand by for the lease, act while holding it.

        With DEBUG on, Django keeps each connection's last 9,000 queries until a request
        starts; this process serves none, so each loop clears its thread's log itself (or
        the stream grew by megabytes an hour until the logs were full).
        """
        while not self.stopping.is_set():
            reset_queries()
            token = lease_take(LEASE, seconds=LEASE_SECONDS)
            if token is None:
                self.stopping.wait(standby_poll_s)
                continue
            self.token = token
            log.info("stream: acting (lease %s)", token[:8])
            try:
                self._act()
            except Exception:  # the venue unreachable at start, a database hiccup: try again
                log.exception("stream: stopped acting; trying again")
                self.stopping.wait(BACKOFF_MAX_S)
            finally:
                lease_release(LEASE, token)
                self.token = ""
                close_old_connections()

    def _act(self) -> None:
        get_venue().connect()  # L2 credentials for the user channel, and the version check
        self.halt.clear()
        threads = [
            threading.Thread(target=c.run, name=f"lt-stream-{c.name}", daemon=True)
            for c in self.channels
        ]
        for thread in threads:
            thread.start()
        try:
            while not self.stopping.wait(RENEW_EVERY_S):
                reset_queries()  # see `run`
                self.status_write()
                if not lease_renew(LEASE, self.token, seconds=LEASE_SECONDS):
                    log.warning("stream: lost the lease; standing by")
                    return
        finally:
            self.halt.set()  # the channels end with this process's turn, whatever ended it
            for thread in threads:
                thread.join(timeout=5)
            self.status_write(connected=False)

    def stop(self) -> None:
        self.stopping.set()
        self.halt.set()

    def status_write(self, *, connected: bool | None = None) -> None:
        """Each channel's row: its state now, and its counts added to those of every
        process that acted before (so gaps and snapshots add up across a take-over)."""
        stats = self.processor.stats
        lag = Decimal(f"{stats.lag_ms:.1f}") if stats.lag_ms is not None else None
        last = (
            timezone.now() - timedelta(seconds=time.monotonic() - stats.last_message_at)
            if stats.last_message_at is not None
            else None
        )
        for channel in self.channels:
            counts = (channel.messages, channel.gaps, channel.heals)
            added = [now - before for now, before in zip(counts, channel.written, strict=True)]
            StreamStatus.objects.get_or_create(channel=channel.name)
            StreamStatus.objects.filter(channel=channel.name).update(
                holder=f"{socket.gethostname()} pid {os.getpid()}",
                connected=channel.connected if connected is None else connected,
                subscribed=len(channel.subscribed),
                messages=F("messages") + added[0],
                gaps=F("gaps") + added[1],
                heals=F("heals") + added[2],
                last_gap_at=channel.last_gap_at or F("last_gap_at"),
                last_message_at=last,
                lag_ms=lag,
                updated_at=timezone.now(),
            )
            channel.written = counts
