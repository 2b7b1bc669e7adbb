"""An RPC provider that loses sends and times out, for the redemption fault tests."""

from __future__ import annotations

import random
from typing import Any

import requests
from web3.types import RPCEndpoint, RPCResponse

from redemption.chain import CountingHTTPProvider


class FaultyProvider(CountingHTTPProvider):
    """Drops a share of `eth_sendRawTransaction` (answering as if sent, or sending and then
    timing out) and times out a share of every other call before it reaches the node."""

    def __init__(self, *args: Any, drop: float, timeout: float, seed: int = 7, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rng = random.Random(seed)
        self.drop, self.timeout = drop, timeout
        self.dropped = self.timed_out = 0

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        roll = self.rng.random()
        if method == "eth_sendRawTransaction" and roll < self.drop:
            self.dropped += 1
            if self.rng.random() < 0.5:
                return {"jsonrpc": "2.0", "id": 0, "result": "0x" + "00" * 32}  # lost silently
            super().make_request(method, params)
            raise requests.exceptions.ReadTimeout("injected: sent, answer lost")
        if method != "eth_sendRawTransaction" and roll < self.timeout:
            self.timed_out += 1
            raise requests.exceptions.ReadTimeout("injected RPC timeout")
        return super().make_request(method, params)
