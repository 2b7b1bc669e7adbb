"""The sandbox's relayer: Polymarket's relayer-v2 HTTP API, executing wallet calls on anvil.

Served under `/relayer` on the venue's port (LT's RELAYER_URL = CLOB_HOST + "/relayer"):
`GET /nonce?address=&type=SAFE|WALLET`, `GET /relay-payload?address=&type=PROXY`,
`POST /submit`, `GET /transaction?id=`, `GET /transactions`, `GET /deployed?address=`.
`/submit` and `/transactions` need the `RELAYER_API_KEY` and `RELAYER_API_KEY_ADDRESS`
headers; the key's address must be the signer (`from`) of what it submits.

The relayer pays the gas from its own account and executes the call at once (the answer is
`STATE_MINED`, and `STATE_CONFIRMED` on the next read). The wallet contracts check the
owner's signature and nonce; a body posted twice executes once (the second post of the same
signature gets the first transaction back). A transaction that reverts is `STATE_FAILED`. A
proxy call the relay hub refused or whose call failed is mined like any other (`STATE_MINED`,
then `STATE_CONFIRMED`): the hub does not revert, and only its events say it failed.

Faults: `{"kind": "status", "path": "/relayer/submit", "status": 502}` refuses before doing
anything; `{"kind": "relayer_lost_answer"}` executes the call and then answers 502, as a
relayer whose answer is lost in transit; `{"kind": "relayer_failed"}` takes the call and gives
up on it (`STATE_FAILED`, nothing sent).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_utils import is_hex_address

from sandbox.chain import ANVIL_KEYS
from sandbox.chain.wallets import SandboxWallets, WalletCallReverted
from sandbox.venue import Venue
from sandbox.wire import ApiError, Handler, Request

PREFIX = "/relayer"
RELAYER_KEY = ANVIL_KEYS[9]  # pays the gas; not the faucet (account 0) nor a test wallet
KIND_OF_TYPE = {"SAFE": "safe", "PROXY": "proxy", "WALLET": "deposit_wallet"}
SIGNATURE_TYPES = {"proxy": 1, "safe": 2, "deposit_wallet": 3}


@dataclass
class RelayedCall:
    transaction_id: str
    request: dict[str, Any]
    wallet: str
    nonce: str
    state: str = "STATE_NEW"
    tx_hash: str = ""
    error: str = ""
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)

    def as_json(self) -> dict[str, Any]:
        return {
            "transactionID": self.transaction_id,
            "transactionHash": self.tx_hash,
            "from": self.request.get("from", ""),
            "to": self.request.get("to", ""),
            "proxyAddress": self.wallet,
            "data": self.request.get("data", ""),
            "nonce": self.nonce,
            "value": "0",
            "state": self.state,
            "type": self.request.get("type", ""),
            "metadata": self.request.get("metadata", ""),
            "createdAt": _iso(self.created_at),
            "updatedAt": _iso(self.updated_at),
        }


class RelayerRoutes:
    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self.relayer = Account.from_key(RELAYER_KEY).address
        self.calls: dict[str, RelayedCall] = {}
        self._lock = threading.Lock()
        self._wallets: SandboxWallets | None = None

    def routes(self) -> dict[tuple[str, str], Handler]:
        return {
            ("GET", f"{PREFIX}/nonce"): self.nonce,
            ("GET", f"{PREFIX}/relay-payload"): self.relay_payload,
            ("POST", f"{PREFIX}/submit"): self.submit,
            ("GET", f"{PREFIX}/transaction"): self.transaction,
            ("GET", f"{PREFIX}/transactions"): self.transactions,
            ("GET", f"{PREFIX}/deployed"): self.deployed,
            ("POST", "/_sandbox/wallet"): self.create_wallet,
        }

    @property
    def wallets(self) -> SandboxWallets:
        if self.venue.chain is None:
            raise ApiError(404, "this sandbox runs without a chain: no relayer")
        if self._wallets is None:
            self._wallets = SandboxWallets(self.venue.chain.chain)
        return self._wallets

    # --- reads ---------------------------------------------------------------------------

    def nonce(self, request: Request) -> dict[str, str]:
        signer = _address(request.arg("address"), "address")
        kind = {"SAFE": "safe", "WALLET": "deposit_wallet"}.get(request.arg("type"))
        if kind is None:
            raise ApiError(400, "type must be SAFE or WALLET")
        return {"nonce": str(self.wallets.nonce(kind, signer) + self._skew(request))}

    def relay_payload(self, request: Request) -> dict[str, str]:
        signer = _address(request.arg("address"), "address")
        if request.arg("type", "PROXY") != "PROXY":
            raise ApiError(400, "type must be PROXY")
        nonce = self.wallets.nonce("proxy", signer) + self._skew(request)
        return {"address": self.relayer, "nonce": str(nonce)}

    def _skew(self, request: Request) -> int:
        return 1 if self.venue.faults.take("relayer_nonce_skew", request.path) else 0

    def deployed(self, request: Request) -> dict[str, bool]:
        return {"deployed": self.wallets.is_deployed(_address(request.arg("address"), "address"))}

    def transaction(self, request: Request) -> list[dict[str, Any]]:
        with self._lock:
            call = self.calls.get(request.arg("id"))
            if call is None:
                return []
            if call.state == "STATE_MINED":  # the next read after mining sees it confirmed
                call.state, call.updated_at = "STATE_CONFIRMED", time.time()
            return [call.as_json()]

    def transactions(self, request: Request) -> list[dict[str, Any]]:
        owner = self._authenticated(request)
        with self._lock:
            mine = [c for c in self.calls.values() if c.request.get("from", "").lower() == owner]
            return [c.as_json() for c in sorted(mine, key=lambda c: -c.created_at)]

    # --- submit --------------------------------------------------------------------------

    def submit(self, request: Request) -> dict[str, Any]:
        owner = self._authenticated(request)
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "body must be a JSON object")
        kind = KIND_OF_TYPE.get(str(body.get("type")))
        if kind is None:
            raise ApiError(400, f"unsupported type {body.get('type')!r}")
        signer = _address(str(body.get("from") or ""), "from").lower()
        if signer != owner:
            raise ApiError(401, "the API key's address is not the signer")
        if not body.get("signature"):
            raise ApiError(400, "signature is required")
        wallet = self._wallet_of(kind, body, signer)
        nonce = str(body.get("nonce") or "")
        with self._lock:
            for call in self.calls.values():
                same_body = call.request.get("signature") == body["signature"]
                if same_body and call.state not in ("STATE_FAILED", "STATE_INVALID"):
                    return self._answer(call)  # the same signed call, posted again
            call = RelayedCall(uuid.uuid4().hex, body, wallet, nonce)
            self.calls[call.transaction_id] = call
            if self.venue.faults.take("relayer_failed", request.path):
                call.state, call.error = "STATE_FAILED", "the relayer gave up"
            else:
                self._execute(call)
            call.updated_at = time.time()
        if self.venue.faults.take("relayer_lost_answer", request.path):
            raise ApiError(502, "Bad Gateway")
        if call.state == "STATE_INVALID":
            raise ApiError(400, call.error)
        return self._answer(call)

    def _execute(self, call: RelayedCall) -> None:
        try:
            call.tx_hash = self.wallets.execute(call.request, relayer_key=RELAYER_KEY)
            call.state = "STATE_MINED"
        except WalletCallReverted as exc:
            call.state, call.tx_hash, call.error = "STATE_FAILED", exc.tx_hash, exc.reason
        except (ValueError, KeyError) as exc:
            call.state, call.error = "STATE_INVALID", str(exc)

    def _wallet_of(self, kind: str, body: dict[str, Any], signer: str) -> str:
        if kind == "deposit_wallet":
            params = body.get("depositWalletParams") or {}
            return _address(str(params.get("depositWallet") or ""), "depositWallet")
        wallet = _address(str(body.get("proxyWallet") or ""), "proxyWallet")
        if wallet.lower() != self.wallets.address_for(kind, signer).lower():
            raise ApiError(400, f"{wallet} is not the {kind} wallet of {signer}")
        return wallet

    @staticmethod
    def _answer(call: RelayedCall) -> dict[str, Any]:
        return {
            "transactionID": call.transaction_id,
            "transactionHash": call.tx_hash,
            "hash": call.tx_hash,
            "state": call.state,
        }

    def _authenticated(self, request: Request) -> str:
        headers = {k.upper(): v for k, v in request.headers.items()}
        key = headers.get("RELAYER_API_KEY", "")
        address = headers.get("RELAYER_API_KEY_ADDRESS", "")
        if not key or not address:
            raise ApiError(401, "RELAYER_API_KEY and RELAYER_API_KEY_ADDRESS are required")
        return _address(address, "RELAYER_API_KEY_ADDRESS").lower()

    # --- sandbox only --------------------------------------------------------------------

    def create_wallet(self, request: Request) -> dict[str, str]:
        """`POST /_sandbox/wallet {"owner", "type": "safe"|"proxy"|"deposit_wallet"}`: deploy
        the owner's wallet (as polymarket.com does at sign-up) and let the owner's orders of
        that signature type spend it."""
        body = request.json() or {}
        kind = str(body.get("type") or "")
        if kind not in SIGNATURE_TYPES:
            raise ApiError(400, "type must be safe, proxy or deposit_wallet")
        owner = _address(str(body.get("owner") or ""), "owner")
        wallet = self.wallets.create(kind, owner)
        self.venue.link_funder(owner, SIGNATURE_TYPES[kind], wallet)
        return {"address": wallet, "owner": owner, "type": kind}


def _address(value: str, name: str) -> str:
    text = value.strip()
    if not is_hex_address(text):
        raise ApiError(400, f"{name} must be a 0x address")
    return text


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
