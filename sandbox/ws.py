"""The venue's two WebSocket channels on the sandbox's HTTP port: `/ws/market` and `/ws/user`
(Polymarket: wss://ws-subscriptions-clob.polymarket.com/ws/market and /ws/user).

server.py hands a GET with `Upgrade: websocket` to one of those paths to `serve()`. Framing is
the websockets library's sans-I/O `ServerProtocol`; this module only moves its bytes. The
handler thread reads (subscriptions, the text "PING"); a writer thread sends what the venue's
feed (events.py) queues for the connection, many frames per socket write. Answers ("PONG",
"INVALID OPERATION") join the same queue, so a connection is first in, first out: a PONG
follows every message the venue had for the client when its PING arrived. Every use of the
protocol object, and every socket write, holds the connection's lock.

First messages, as Polymarket's (tests/venue/recorded.py WS_MARKET_SUBSCRIBE, WS_USER_SUBSCRIBE):
- market: `{"type": "market", "assets_ids": [...], "custom_feature_enabled": bool}`, then
  `{"operation": "subscribe" | "unsubscribe", "assets_ids": [...]}`;
- user: `{"type": "user", "auth": {"apiKey", "secret", "passphrase"}, "markets": [...]}`
  (no markets: all), then `{"operation": ..., "markets": [...]}`. Credentials the venue did
  not issue: the connection is closed with 1008 (policy violation) and nothing is sent.
A message the channel cannot take is answered with the text "INVALID OPERATION", as the venue
does. Clients are not dropped for missing PINGs.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import socket
import threading
from email.message import Message as HeaderMessage
from queue import Empty, SimpleQueue
from typing import Any

from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

from sandbox.clock import Periodic
from sandbox.events import Feed, Message, Outgoing, Subscriber
from sandbox.venue import Venue

logger = logging.getLogger(__name__)
# The websockets protocol says "connection open" / "closed" at INFO for every socket: with
# LT's stream reconnecting, that is noise on `make run`'s console; its problems still show.
protocol_logger = logging.getLogger(f"{__name__}.protocol")
protocol_logger.setLevel(logging.WARNING)

MARKET_PATH, USER_PATH = "/ws/market", "/ws/user"
PATHS = frozenset({MARKET_PATH, USER_PATH})
INVALID = "INVALID OPERATION"
READ_SIZE = 65_536
BATCH = 500  # queued messages sent with one socket write
CLOSE_TIMEOUT = 5.0  # how long a closing client may take to answer our close frame


def is_upgrade(path: str, headers: HeaderMessage) -> bool:
    upgrade = (headers.get("Upgrade") or "").lower() == "websocket"
    return upgrade and path.split("?", 1)[0] in PATHS


def serve(
    sock: socket.socket, rfile: io.BufferedIOBase, path: str, headers: HeaderMessage, feed: Feed
) -> None:
    """Run one WebSocket connection to its end (in the HTTP handler's thread)."""
    Session(sock, rfile, path.split("?", 1)[0], feed).run(path, headers)


class Session:
    def __init__(
        self, sock: socket.socket, rfile: io.BufferedIOBase, path: str, feed: Feed
    ) -> None:
        self.sock = sock
        self.rfile = rfile  # the handler's buffered reader: it may hold bytes already read
        self.feed = feed
        self.user = path == USER_PATH
        self.protocol = ServerProtocol(logger=protocol_logger)
        self.lock = threading.Lock()
        self.subscriber = Subscriber(hang_up=self.hang_up, limit=feed.queue_limit)
        self.subscribed = False
        self._fragments: list[bytes] = []

    def run(self, path: str, headers: HeaderMessage) -> None:
        if not self._handshake(path, headers):
            return
        self.feed.attach(self.subscriber)
        writer = threading.Thread(target=self._write, name="sandbox-ws-writer", daemon=True)
        writer.start()
        try:
            self._read()
        finally:
            self.feed.detach(self.subscriber)
            self.subscriber.close()
            self.hang_up()
            writer.join(timeout=CLOSE_TIMEOUT)

    def hang_up(self) -> None:
        """End the TCP connection now, no close frame (a drop); safe from any thread."""
        self.subscriber.alive = False
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    # -- reading --------------------------------------------------------------------------
    def _handshake(self, path: str, headers: HeaderMessage) -> bool:
        # http.server has parsed the request already, but the protocol's parser starts by
        # reading one: it is given the same request again, so it then reads frames.
        with self.lock:
            self.protocol.receive_data(_request_bytes(path, headers))
            events = self.protocol.events_received()
            request = next((e for e in events if isinstance(e, Request)), None)
            if request is None:  # unreadable: the protocol has its error answer ready
                self._flush()
                return False
            response = self.protocol.accept(request)
            self.protocol.send_response(response)
            self._flush()
        return response.status_code == 101

    def _read(self) -> None:
        while self.protocol.state is not State.CLOSED:
            try:
                data = self.rfile.read1(READ_SIZE)
            except OSError:  # dropped, or the closing client too slow
                data = b""
            with self.lock:
                if data:
                    self.protocol.receive_data(data)
                else:
                    self.protocol.receive_eof()
                events = self.protocol.events_received()
                self._flush()  # pongs to pings, the answer to a close
                if self.protocol.close_expected():
                    self.sock.settimeout(CLOSE_TIMEOUT)
            for event in events:
                if isinstance(event, Frame):
                    self._on_frame(event)
            if not data:
                return

    def _on_frame(self, frame: Frame) -> None:
        # Pings, pongs and closes are the protocol's; text may come in fragments.
        if frame.opcode not in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
            return
        self._fragments.append(bytes(frame.data))
        if frame.fin:
            text = b"".join(self._fragments).decode(errors="replace")
            self._fragments = []
            self._on_text(text)

    def _on_text(self, text: str) -> None:
        if text.strip() == "PING":
            self.subscriber.offer("PONG")
            return
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self.subscriber.offer(INVALID)
        elif not self.subscribed:
            self._first_message(body)
        elif not self._update(body):
            self.subscriber.offer(INVALID)

    # -- subscriptions --------------------------------------------------------------------
    def _first_message(self, body: dict[str, Any]) -> None:
        kind = str(body.get("type") or "").lower()
        if self.user and kind == "user":
            self._subscribe_user(body)
        elif not self.user and kind == "market":
            self._subscribe_market(body)
        elif self.user:
            self.feed.refused()
            self._close(CloseCode.POLICY_VIOLATION, "a user subscription is expected")
        else:
            self.subscriber.offer(INVALID)

    def _subscribe_market(self, body: dict[str, Any]) -> None:
        tokens = _ids(body.get("assets_ids"))
        subscriber = self.subscriber
        subscriber.custom = bool(body.get("custom_feature_enabled"))
        subscriber.every_market = not tokens
        self.subscribed = True
        self.feed.watch(subscriber, tokens, dump=body.get("initial_dump", True) is not False)

    def _subscribe_user(self, body: dict[str, Any]) -> None:
        owner = self.feed.authorize(body.get("auth"))
        if owner is None:
            self.feed.refused()
            self._close(CloseCode.POLICY_VIOLATION, "invalid api credentials")
            return
        self.subscribed = True
        self.feed.follow(self.subscriber, owner, _ids(body.get("markets")))

    def _update(self, body: dict[str, Any]) -> bool:
        operation = str(body.get("operation") or "").lower()
        if operation not in ("subscribe", "unsubscribe"):
            return False
        add = operation == "subscribe"
        if self.user:
            self.feed.follow_markets(self.subscriber, _ids(body.get("markets")), add)
            return True
        if "custom_feature_enabled" in body:
            self.subscriber.custom = bool(body["custom_feature_enabled"])
        tokens = _ids(body.get("assets_ids"))
        if add:
            self.feed.watch(self.subscriber, tokens)
        else:
            self.feed.unwatch(self.subscriber, tokens)
        return True

    # -- writing --------------------------------------------------------------------------
    def _write(self) -> None:
        """Drain the feed's queue until the connection ends: each batch in one write."""
        queue = self.subscriber.queue
        while True:
            batch, stop = _batch(queue.get(), queue)
            if batch:
                if not self._send_frames([_encode(item) for item in batch]):
                    return
                self.feed.sent(sum(_count(item) for item in batch), len(batch))
            if stop:
                return

    def _send_frames(self, frames: list[bytes]) -> bool:
        with self.lock:
            if self.protocol.state is not State.OPEN:
                return False
            for frame in frames:
                self.protocol.send_text(frame)
            return self._flush()

    def _close(self, code: CloseCode, reason: str) -> None:
        with self.lock:
            if self.protocol.state is State.OPEN:
                self.protocol.send_close(code, reason)
                self._flush()
                self.sock.settimeout(CLOSE_TIMEOUT)

    def _flush(self) -> bool:
        """Write what the protocol has for the network (the lock held); False once the
        connection is gone."""
        chunks = self.protocol.data_to_send()
        try:
            data = b"".join(chunks)
            if data:
                self.sock.sendall(data)
            if chunks and not chunks[-1]:  # the protocol's end of stream: half-close
                self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self.subscriber.alive = False
            return False
        return True


class Dropper(Periodic):
    """Applies the `ws_drop` fault on wall time: a small thread looks at the rules every
    `interval` seconds and drops every connection each `every_seconds`."""

    def __init__(self, venue: Venue, interval: float = 0.1) -> None:
        super().__init__(interval, "sandbox-ws-drop")
        self.venue = venue
        self._due: float | None = None

    def tick(self, now: float) -> None:
        self.check(now)

    def check(self, now: float) -> None:
        rule = self.venue.faults.first("ws_drop")
        if rule is None:
            self._due = None  # the next rule's period starts when it is added
        elif self._due is None:
            self._due = now + rule.every_seconds
        elif now >= self._due:
            if self.venue.feed.drop_all():
                self.venue.faults.take("ws_drop")  # a use is a drop that found someone
            self._due = now + rule.every_seconds


def _request_bytes(path: str, headers: HeaderMessage) -> bytes:
    lines = [f"GET {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _ids(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(item) for item in value if item]


Content = Message | list[Message] | str  # one frame's worth


def _batch(first: Outgoing, queue: SimpleQueue[Outgoing]) -> tuple[list[Content], bool]:
    """What the queue holds now, up to BATCH, and whether the connection is to end."""
    if first is None:
        return [], True
    batch: list[Content] = [first]
    while len(batch) < BATCH:
        try:
            item = queue.get_nowait()
        except Empty:
            break
        if item is None:
            return batch, True
        batch.append(item)
    return batch, False


def _encode(item: Content) -> bytes:
    text = item if isinstance(item, str) else json.dumps(item, separators=(",", ":"))
    return text.encode()


def _count(item: Content) -> int:
    """Venue messages in a frame (an answer like "PONG" is none)."""
    if isinstance(item, str):
        return 0
    return len(item) if isinstance(item, list) else 1
