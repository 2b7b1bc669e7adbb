"""Polymarket's relayer over HTTP: how Safe, proxy and deposit wallets reach the chain.

The EOA that owns the wallet signs a wallet call (redemption/wallet_calls.py builds the
bodies); the relayer pays the gas and executes it. Routes, as the official clients use them
(reference/polymarket.md §5): `GET /nonce?address=&type=SAFE|WALLET`,
`GET /relay-payload?address=&type=PROXY` (the relay address and the hub nonce),
`POST /submit`, `GET /transaction?id=`, `GET /transactions` (authenticated: the account's own),
`GET /deployed?address=`. Authentication is the per-account relayer API key
(`RELAYER_API_KEY`, `RELAYER_API_KEY_ADDRESS` headers).

Reads are retried on transport errors; `submit` is not: the caller stored the body first and
decides whether to post it again (the wallet's nonce makes a second execution impossible).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
from django.conf import settings
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from .chain import signer_address

TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class RelayerError(Exception):
    """The relayer refused a request (4xx); its own message is kept."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"relayer answered {status}: {message}")
        self.status = status
        self.message = message


class RelayerUnavailable(Exception):
    """No usable answer (timeout, connection error, 5xx): try again later."""


# The relayer's transaction states, in order; the last two are final failures.
STATE_NEW = "STATE_NEW"
STATE_EXECUTED = "STATE_EXECUTED"
STATE_MINED = "STATE_MINED"
STATE_CONFIRMED = "STATE_CONFIRMED"
STATE_FAILED = "STATE_FAILED"
STATE_INVALID = "STATE_INVALID"
ON_CHAIN_STATES = (STATE_MINED, STATE_CONFIRMED)
FINAL_FAILURES = (STATE_FAILED, STATE_INVALID)


@dataclass(frozen=True)
class RelayedState:
    transaction_id: str
    tx_hash: str
    state: str
    proxy_address: str = ""
    nonce: str = ""

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> RelayedState:
        return cls(
            transaction_id=str(raw.get("transactionID") or ""),
            tx_hash=str(raw.get("transactionHash") or raw.get("hash") or ""),
            state=str(raw.get("state") or ""),
            proxy_address=str(raw.get("proxyAddress") or ""),
            nonce=str(raw.get("nonce") or ""),
        )


_retry_read = retry(
    retry=retry_if_exception_type(RelayerUnavailable),
    stop=stop_after_attempt(3),
    wait=wait_exponential(multiplier=0.1, max=1),
    reraise=True,
)


class RelayerClient:
    def __init__(self, base_url: str, *, api_key: str, api_key_address: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"RELAYER_API_KEY": api_key, "RELAYER_API_KEY_ADDRESS": api_key_address}
        self._http = httpx.Client(timeout=TIMEOUT)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        content = json.dumps(body, separators=(",", ":")) if body is not None else None
        try:
            answer = self._http.request(
                method,
                f"{self.base_url}{path}",
                params=params,
                content=content,
                headers={**self._headers, "Content-Type": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise RelayerUnavailable(f"{method} {path}: {exc}") from exc
        if answer.status_code >= 500:
            raise RelayerUnavailable(f"{method} {path}: HTTP {answer.status_code}")
        try:
            payload = answer.json()
        except ValueError as exc:
            raise RelayerUnavailable(f"{method} {path}: not JSON") from exc
        if answer.status_code >= 400:
            message = payload.get("error") if isinstance(payload, dict) else None
            raise RelayerError(answer.status_code, str(message or payload))
        return payload

    @_retry_read
    def nonce(self, signer: str, wallet_type: str) -> int:
        """The next nonce of the signer's Safe (`SAFE`) or deposit wallet (`WALLET`)."""
        payload = self._call("GET", "/nonce", params={"address": signer, "type": wallet_type})
        return int(payload["nonce"])

    @_retry_read
    def relay_payload(self, signer: str) -> tuple[str, int]:
        """For proxy wallets: the relay address to sign for, and the hub nonce."""
        payload = self._call("GET", "/relay-payload", params={"address": signer, "type": "PROXY"})
        return str(payload["address"]), int(payload["nonce"])

    def submit(self, body: dict[str, Any]) -> RelayedState:
        return RelayedState.from_json(self._call("POST", "/submit", body=body))

    @_retry_read
    def transaction(self, transaction_id: str) -> RelayedState | None:
        payload = self._call("GET", "/transaction", params={"id": transaction_id})
        rows = payload if isinstance(payload, list) else [payload]
        return RelayedState.from_json(rows[0]) if rows and rows[0] else None

    @_retry_read
    def transactions(self) -> list[RelayedState]:
        """The account's recent relayed transactions (to find one whose answer was lost)."""
        payload = self._call("GET", "/transactions")
        return [RelayedState.from_json(row) for row in payload or []]


@cache
def _client(base_url: str, api_key: str, api_key_address: str) -> RelayerClient:
    return RelayerClient(base_url, api_key=api_key, api_key_address=api_key_address)


def get_relayer() -> RelayerClient:
    """The relayer from settings (one client per process and configuration)."""
    if not settings.RELAYER_URL:
        raise RuntimeError("RELAYER_URL is not set: smart-wallet redemptions need the relayer")
    # A relayer API key belongs to an account: by default the signer's own.
    key_address = settings.RELAYER_API_KEY_ADDRESS or signer_address()
    return _client(settings.RELAYER_URL, settings.RELAYER_API_KEY, key_address)
