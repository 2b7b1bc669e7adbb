"""HTTP transport for the sandbox venue: a threading HTTP/1.1 keep-alive server.

Each response goes out in ONE write with TCP_NODELAY set: a handler that writes headers and
body separately meets Nagle + delayed ACK and adds ~40 ms per keep-alive request (DESIGN §6).
A GET upgrading to a WebSocket at `/ws/market` or `/ws/user` becomes that channel's session
(ws.py) for the rest of the connection's life; stopping the server ends those too.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sandbox import ws
from sandbox.api import SandboxAPI
from sandbox.clock import Periodic
from sandbox.venue import Venue
from sandbox.wire import Request, Response

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    api: SandboxAPI

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def close_connections(self) -> None:
        """Hang up on keep-alive clients so their handler threads end with the server."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        if ws.is_upgrade(self.path, self.headers):
            self.close_connection = True  # no HTTP after a WebSocket
            ws.serve(
                self.connection, self.rfile, self.path, self.headers, self.server.api.venue.feed
            )
            return
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query),
            headers={k.upper(): v for k, v in self.headers.items()},
            body=body,
        )
        response = self.server.api.dispatch(request)
        payload = self._encode(response)
        if response.stall:
            time.sleep(response.stall)  # the order exists; the client just never hears back
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (a stall fault)

    def _encode(self, response: Response) -> bytes:
        body = response.encode()
        reason = _REASONS.get(response.status) or self.responses.get(response.status, ("",))[0]
        head = (
            f"HTTP/1.1 {response.status} {reason}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: keep-alive\r\n\r\n"
        )
        return head.encode() + body

    def log_message(self, format: str, *args: object) -> None:
        pass  # one line per request would drown the test output


class SandboxServer:
    """A running venue on 127.0.0.1; port 0 picks a free port."""

    def __init__(self, venue: Venue, host: str = "127.0.0.1", port: int = 0) -> None:
        self.venue = venue
        self.httpd = _Server((host, port))
        self.httpd.api = SandboxAPI(venue)
        self._thread: threading.Thread | None = None
        self._dropper = ws.Dropper(venue)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._dropper.start()
        return self

    def stop(self) -> None:
        self._dropper.stop()
        self.httpd.shutdown()
        self.httpd.close_connections()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class ClockDriver(Periodic):
    """Runs the sandbox clock `speed` times faster than wall time (for demos)."""

    def __init__(self, venue: Venue, speed: float, interval: float = 0.05) -> None:
        super().__init__(interval, "sandbox-clock")
        self.venue = venue
        self.speed = speed
        self._origin: tuple[float, float] | None = None  # (wall, venue) when it started

    def tick(self, now: float) -> None:
        if self._origin is None:
            self._origin = (now - self.interval, self.venue.now())
        origin_wall, origin_venue = self._origin
        self.venue.advance_to(origin_venue + (now - origin_wall) * self.speed)
