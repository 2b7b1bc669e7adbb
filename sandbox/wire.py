"""Requests, responses and errors as the API functions see them (no sockets here)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def arg(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise ApiError(400, "Invalid payload") from exc


@dataclass(slots=True)
class Response:
    status: int
    payload: Any
    stall: float = 0.0  # seconds to hold the (already computed) answer back

    def encode(self) -> bytes:
        return json.dumps(self.payload, separators=(",", ":")).encode()


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


Handler = Callable[[Request], Any]
