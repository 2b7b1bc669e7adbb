from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from contracts import BUILD_DIR

BASE_DIR = BUILD_DIR.parent.parent


@pytest.mark.skipif(shutil.which("node") is None, reason="node is installed by make setup")
def test_committed_artifacts_match_a_fresh_make_contracts(tmp_path: Path):
    env = {**os.environ, "CONTRACTS_OUT": str(tmp_path)}
    subprocess.run(
        ["node", "contracts/build.js"], cwd=BASE_DIR, env=env, check=True, capture_output=True
    )
    fresh = {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}
    committed = {p.name: p.read_bytes() for p in BUILD_DIR.glob("*.json")}
    assert fresh == committed, "contracts/src changed: run `make contracts` and commit the build"
