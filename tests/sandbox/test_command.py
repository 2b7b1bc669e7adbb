"""`manage.py lt_sandbox` serves the venue and runs its clock faster than wall time."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_lt_sandbox_serves_and_speeds_up_the_clock():
    env = {**os.environ, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "ltproject.settings"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "lt_sandbox", "--port", "0", "--speed", "50", "--seed", "3"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert url, line
        assert httpx.get(f"{url.group(0)}/version").json() == {"version": 2}
        first = httpx.get(f"{url.group(0)}/time").json()
        time.sleep(0.5)
        assert httpx.get(f"{url.group(0)}/time").json() - first >= 10
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_lt_sandbox_runs_a_chain_prints_its_contracts_and_stops_anvil():
    env = {**os.environ, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "ltproject.settings"}
    command = ["manage.py", "lt_sandbox", "--port", "0", "--chain-port", "0", "--speed", "0"]
    process = subprocess.Popen(
        [sys.executable, *command], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        url = re.search(r"http://127\.0\.0\.1:\d+", lines[0])
        assert url, lines
        assert lines[2].startswith("CHAIN_CONTRACTS=")
        contracts = json.loads(lines[2].removeprefix("CHAIN_CONTRACTS="))
        info = httpx.get(f"{url.group(0)}/_sandbox/chain").json()
        assert info["contracts"] == contracts and info["chain_id"] == 137
        rpc = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        assert httpx.post(info["rpc_url"], json=rpc).json()["result"] == "0x89"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    with pytest.raises(httpx.HTTPError):
        httpx.post(info["rpc_url"], json=rpc, timeout=2)  # anvil stopped with the sandbox
