"""Start and stop an anvil process (Foundry's local EVM node, from the pinned npm package)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
ANVIL_PACKAGE_BINARY = (
    BASE_DIR / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
)

# anvil funds its well-known development accounts (ltproject.devkeys.ANVIL_KEYS) with 10,000
# ETH each on start: sandbox-only keys, refused by live trading anywhere but on loopback.


class AnvilError(RuntimeError):
    pass


def anvil_binary() -> Path:
    """The anvil installed by `npm ci` (package.json pins it), else one on PATH."""
    if ANVIL_PACKAGE_BINARY.exists():
        return ANVIL_PACKAGE_BINARY
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise AnvilError("anvil not found: run `make setup` (npm ci installs it into node_modules)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Anvil:
    """One anvil process on 127.0.0.1; `stop()` (or the context manager) ends it."""

    def __init__(
        self, *, port: int | None = None, chain_id: int = 137, block_time: float = 0
    ) -> None:
        self.port = port or free_port()
        self.chain_id = chain_id
        # 0: a block per transaction only (tests). Otherwise a block every `block_time`
        # seconds as well, like Polygon's ~2 s, so the head advances on a quiet chain.
        self.block_time = block_time
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 15.0) -> Anvil:
        args = [str(anvil_binary()), "--host", "127.0.0.1", "--port", str(self.port)]
        args += ["--chain-id", str(self.chain_id), "--silent"]
        if self.block_time > 0:
            args += ["--block-time", f"{self.block_time:g}", "--mixed-mining"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise AnvilError(f"anvil exited with {self.process.returncode}: {err[:500]}")
            if self._answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise AnvilError(f"anvil did not answer on {self.rpc_url} within {timeout} s")

    def _answers(self) -> bool:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
        request = urllib.request.Request(
            self.rpc_url, data=body.encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=0.5) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
