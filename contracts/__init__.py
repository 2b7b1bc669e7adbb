"""The project's Solidity contracts (`src/`) and their compiled artifacts (`build/`).

`make contracts` rebuilds `build/` with solcjs; the artifacts are committed so that Python
code (the redemption service, the sandbox chain) needs no compiler at run time.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

BUILD_DIR = Path(__file__).resolve().parent / "build"


@cache
def artifact(name: str) -> dict[str, Any]:
    """`{"abi": [...], "bytecode": "0x..."}` of one compiled contract."""
    data: dict[str, Any] = json.loads((BUILD_DIR / f"{name}.json").read_text())
    return data


def abi(name: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = artifact(name)["abi"]
    return result
