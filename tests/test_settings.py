"""Settings fail loudly: production without secrets refuses to start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from monitoring.checks import check_q_cluster

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k3V9-" + "x7Qp2mZ8rT4wL6nB1cD5fG0hJ9" * 2

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "lt.example.com",
    "DATABASE_URL": "postgres://lt@db.example.com:5432/lt",
    "EMAIL_URL": "smtp+tls://alerts@example.com:secret@smtp.example.com:587",
    "ALERT_EMAILS": "ops@example.com",
}


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    base.pop("SECRET_KEY", None)
    full = {**base, "DJANGO_SETTINGS_MODULE": "ltproject.settings", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _without(key: str) -> dict[str, str]:
    return {k: v for k, v in PRODUCTION.items() if k != key}


def test_production_without_secret_key_raises_improperly_configured() -> None:
    result = _manage(_without("SECRET_KEY"), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY (or SECRET_KEY_FILE) must be set" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text(STRONG_KEY)
    result = _manage({**_without("SECRET_KEY"), "SECRET_KEY_FILE": str(key_file)}, "check")
    assert result.returncode == 0, result.stderr


def test_live_trading_without_signer_key_raises_improperly_configured() -> None:
    result = _manage({**PRODUCTION, "LIVE_TRADING": "true"}, "check")
    assert result.returncode != 0
    assert "LIVE_TRADING is on but SIGNER_PRIVATE_KEY" in result.stderr


def test_check_deploy_passes_with_production_values() -> None:
    result = _manage(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def _production_value(code: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    program = f"import django; django.setup(); from django.conf import settings as s; print({code})"
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "ltproject.settings", **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_clients_x_forwarded_proto_is_trusted_only_when_configured() -> None:
    assert _production_value("s.SECURE_PROXY_SSL_HEADER") == "None"
    trusted = _production_value("s.SECURE_PROXY_SSL_HEADER", TRUST_X_FORWARDED_PROTO="true")
    assert trusted == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_embedded_default_database_is_sqlite_with_immediate_transactions() -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; print(d['ENGINE'], d['OPTIONS']['transaction_mode'])"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "ltproject.settings", "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "IMMEDIATE"], result.stderr


GOOD_Q: dict[str, Any] = {
    "orm": "default",
    "timeout": 60,
    "retry": 150,
    "max_attempts": 3,
    "catch_up": False,
}


def test_queue_configuration_of_the_project_passes_its_check() -> None:
    assert check_q_cluster() == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"orm": None}, "lt.E001"),
        ({"retry": 90}, "lt.E002"),
        ({"timeout": None}, "lt.E002"),
        ({"max_attempts": 0}, "lt.E003"),
        ({"catch_up": True}, "lt.E004"),
    ],
)
def test_unsafe_queue_configuration_is_an_error(change: dict[str, Any], code: str) -> None:
    with override_settings(Q_CLUSTER={**GOOD_Q, **change}):
        assert [e.id for e in check_q_cluster()] == [code]


# --- a public development key, or the sandbox venue beside a real chain --------------------

ANVIL_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
PRIVATE_KEY = "0x" + "5e" * 32  # nobody's well-known key
LIVE = {**PRODUCTION, "LIVE_TRADING": "true"}


@pytest.mark.parametrize(
    "key", [ANVIL_KEY_0, ANVIL_KEY_0.removeprefix("0x").upper(), f" {ANVIL_KEY_0}\n"]
)
def test_live_trading_refuses_a_public_development_key_against_the_real_venue(key: str) -> None:
    env = {**LIVE, "SIGNER_PRIVATE_KEY": key, "CLOB_HOST": "https://clob.polymarket.com",
           "CHAIN_RPC_URL": "https://polygon-rpc.com"}  # fmt: skip
    result = _manage(env, "check")
    assert result.returncode != 0
    assert result.stderr == (
        "ImproperlyConfigured: SIGNER_PRIVATE_KEY is a public development key (anvil's): "
        "anyone can spend from it, so it trades only against the sandbox venue on loopback, "
        "not https://clob.polymarket.com\n"
    )


@pytest.mark.parametrize(
    "clob", ["http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"]
)
def test_live_trading_refuses_the_sandbox_venue_beside_a_real_chain(clob: str) -> None:
    env = {**LIVE, "SIGNER_PRIVATE_KEY": PRIVATE_KEY, "CLOB_HOST": clob,
           "CHAIN_RPC_URL": "https://polygon-rpc.com"}  # fmt: skip
    result = _manage(env, "check")
    assert result.returncode != 0
    assert result.stderr.startswith(f"ImproperlyConfigured: CLOB_HOST {clob} is a loopback")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("key", "clob", "chain"),
    [
        # The sandbox on both sides takes any key, the public ones included...
        (ANVIL_KEY_0, "http://127.0.0.1:8765", "http://127.0.0.1:8545"),
        (PRIVATE_KEY, "http://127.0.0.1:8765", "http://127.0.0.1:8545"),
        # ...and the real venue and chain take an operator's own key.
        (PRIVATE_KEY, "https://clob.polymarket.com", "https://polygon-rpc.com"),
    ],
)
def test_live_trading_starts_with_a_consistent_venue_chain_and_key(key, clob, chain) -> None:
    env = {**LIVE, "SIGNER_PRIVATE_KEY": key, "CLOB_HOST": clob, "CHAIN_RPC_URL": chain}
    result = _manage(env, "check")
    assert result.returncode == 0, result.stderr
