"""JSON nested deep enough to overflow the parser's C stack is refused before parsing: the
intake answers 400 and lives on, `lt_rules import` says one line and exits 1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.db import connection

from ltproject.jsontext import MAX_JSON_DEPTH, JSONTooDeep, json_depth_check, json_loads_bounded
from risk.models import RiskRules
from tests.factories import StrategyFactory
from tests.risk.helpers import credential_for, signal_body, signed_headers, strategy_with
from tests.servers import gunicorn

ROOT = Path(__file__).resolve().parents[1]
DEEP = "[" * 150_000 + "]" * 150_000  # ~300 KB: a SIGSEGV with py_ecc's recursion limit


def test_nesting_exactly_at_the_limit_parses_and_one_level_more_is_refused() -> None:
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert json_loads_bounded(at_limit) is not None
    with pytest.raises(JSONTooDeep):
        json_depth_check("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))


def test_brackets_inside_strings_do_not_count() -> None:
    text = '{"a": "' + "[" * 100 + '\\"[[[" , "b": [1]}'
    json_depth_check(text)
    assert json_loads_bounded('{"x": 0.1}') == {"x": __import__("decimal").Decimal("0.1")}


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"DJANGO_SETTINGS_MODULE": "ltproject.test_settings", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_the_intake_refuses_a_deep_body_in_a_process_like_a_worker() -> None:
    """As a gunicorn worker: the WSGI application loaded (every app and its dependencies,
    py_ecc included), then the body parsed. Before the bound: SIGSEGV (exit -11)."""
    done = _run(
        "import sys\n"
        "from ltproject.wsgi import application\n"
        "from strategies.apis import _json_object\n"
        "assert sys.getrecursionlimit() <= 5000, sys.getrecursionlimit()\n"
        "print(_json_object(b'[' * 150_000 + b']' * 150_000))\n"
        "print(_json_object(b'{\"ok\": 1}'))\n"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["None", "{'ok':", "1}"]


@pytest.mark.django_db(transaction=True)
def test_lt_rules_import_of_a_deep_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    strategy = StrategyFactory()
    before = RiskRules.objects.get(pk=strategy.risk_rules_id).updated_at
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP)
    db = connection.settings_dict
    done = subprocess.run(
        [sys.executable, "manage.py", "lt_rules", "import", strategy.slug, str(deep)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"DJANGO_SETTINGS_MODULE": "ltproject.test_settings", "PATH": "/usr/bin:/bin",
             "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"},
    )  # fmt: skip
    assert RiskRules.objects.get(pk=strategy.risk_rules_id).updated_at == before
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "nested deeper than" in lines[0]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_gunicorn_worker_refuses_a_deep_signed_body_and_lives_on(tmp_path: Path) -> None:
    """The server as production runs it: a signed body nested 32,000 deep (all the 64 KiB a
    signal may have) is a 400, and the same worker then takes a signal."""
    strategy = strategy_with()
    credential, secret = credential_for(strategy)
    with gunicorn(tmp_path / "gunicorn.log") as server:
        deep = b"[" * 32_000 + b"]" * 32_000

        def post(raw: bytes) -> httpx.Response:
            headers = signed_headers(credential, secret, raw) | {"Content-Type": "application/json"}
            return httpx.post(f"{server.url}/api/v1/signals/", content=raw, headers=headers)

        assert post(deep).status_code == 400
        body = json.dumps(signal_body(strategy, "12345")).encode()
        assert post(body).status_code == 201
        assert server.process.poll() is None
    log = server.log.read_text()
    assert log.count("Booting worker") == 1, log  # never replaced: it did not die
    assert "SIGSEGV" not in log and "exited with code" not in log
