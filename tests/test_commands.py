"""Operator commands: strategies, credentials, schedules, halt/resume, status."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django_q.models import Schedule

from ltproject.schedules import SCHEDULED_JOBS
from monitoring.models import Alert
from risk.models import RiskState, TradingState
from risk.reasons import ReasonCode
from strategies.credentials import derive_secret
from strategies.models import ApiCredential, Strategy
from tests.factories import StrategyFactory

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_lt_strategy_create_makes_strategy_rules_and_active_state() -> None:
    _run("lt_strategy", "create", "copy-whale", "--mode", "paper")
    strategy = Strategy.objects.get(slug="copy-whale")
    assert strategy.mode == "paper"
    assert strategy.risk_rules.budget_daily == 100
    assert strategy.risk_state.trading_state == TradingState.ACTIVE


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("dup", "--mode", "paper"), "slug: A strategy 'dup' already exists."),
        (("Not A Slug", "--mode", "paper"), "slug: Enter a valid “slug”"),
        (("live-one", "--mode", "live"), "mode: Live mode needs LIVE_TRADING=true"),
    ],
)
def test_lt_strategy_create_refuses_bad_input_without_writing(
    args: tuple[str, ...], message: str
) -> None:
    StrategyFactory(slug="dup")
    before = Strategy.objects.count(), RiskState.objects.count()
    with pytest.raises(CommandError) as excinfo:
        _run("lt_strategy", "create", *args)
    assert str(excinfo.value).startswith(message)
    assert (Strategy.objects.count(), RiskState.objects.count()) == before


@override_settings(LIVE_TRADING=True)
def test_lt_strategy_create_live_when_live_trading_is_enabled() -> None:
    _run("lt_strategy", "create", "live-one", "--mode", "live")
    assert Strategy.objects.get(slug="live-one").mode == "live"


def test_lt_credentials_prints_the_secret_once_and_never_stores_it() -> None:
    strategy = StrategyFactory()
    issued = json.loads(_run("lt_credentials", strategy.slug))
    assert set(issued) == {"key_id", "secret"}
    credential = ApiCredential.objects.get(key_id=issued["key_id"])
    assert credential.strategy == strategy
    # The secret is recomputable from the server key, and appears in no column of any table.
    assert derive_secret(key_id=credential.key_id, salt=credential.salt) == issued["secret"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(c)::text FROM lt_api_credentials c")
        assert all(issued["secret"] not in row[0] for row in cursor.fetchall())
    # A second call issues a new key; it cannot show the old secret again.
    again = json.loads(_run("lt_credentials", strategy.slug))
    assert again["key_id"] != issued["key_id"] and again["secret"] != issued["secret"]


def test_lt_credentials_revoke_others_leaves_one_active_key() -> None:
    strategy = StrategyFactory()
    _run("lt_credentials", strategy.slug)
    newest = json.loads(_run("lt_credentials", strategy.slug, "--revoke-others"))
    active = list(strategy.credentials.filter(is_active=True).values_list("key_id", flat=True))
    assert active == [newest["key_id"]]


def test_lt_credentials_for_unknown_strategy_fails_readably() -> None:
    with pytest.raises(CommandError, match="no strategy 'nope'"):
        _run("lt_credentials", "nope")


def _schedule_rows() -> list[tuple]:
    return list(
        Schedule.objects.order_by("name").values_list(
            "id", "name", "func", "schedule_type", "minutes", "repeats", "next_run"
        )
    )


def test_setup_schedules_twice_leaves_the_same_rows() -> None:
    _run("setup_schedules")
    first = _schedule_rows()
    assert [row[1] for row in first] == sorted(job.name for job in SCHEDULED_JOBS)
    assert "unchanged" in _run("setup_schedules")
    assert _schedule_rows() == first


def test_setup_schedules_keeps_an_admins_retiming_unless_reset() -> None:
    _run("setup_schedules")
    job = SCHEDULED_JOBS[0]
    Schedule.objects.filter(name=job.name).update(minutes=30, repeats=0, func="stale.path")
    _run("setup_schedules")
    row = Schedule.objects.get(name=job.name)
    assert (row.func, row.minutes, row.repeats) == (job.func, 30, 0)
    _run("setup_schedules", "--reset")
    row.refresh_from_db()
    assert (row.minutes, row.repeats) == (job.minutes, -1)


def test_lt_halt_and_resume_one_strategy_and_the_global_switch() -> None:
    strategy = StrategyFactory()
    _run("lt_halt", "--strategy", strategy.slug, "--message", "venue looks odd")
    strategy.risk_state.refresh_from_db()
    assert strategy.risk_state.trading_state == TradingState.HALTED
    assert strategy.risk_state.message == "venue looks odd"

    _run("lt_halt")
    status = json.loads(_run("lt_status"))
    assert status["global"] == {"trading_state": "HALTED", "reason_code": "MANUAL_HALT"}
    assert status["strategies"] == [
        {
            "slug": strategy.slug,
            "mode": "paper",
            "trading_state": "HALTED",
            "health_status": "unknown",
        }
    ]

    _run("lt_resume")
    _run("lt_resume", "--strategy", strategy.slug)
    strategy.risk_state.refresh_from_db()
    assert strategy.risk_state.trading_state == TradingState.ACTIVE
    assert Alert.objects.filter(reason_code=ReasonCode.MANUAL_HALT).count() == 2
    assert Alert.objects.filter(reason_code=ReasonCode.MANUAL_RESUME).count() == 2


def test_halting_twice_writes_one_alert() -> None:
    strategy = StrategyFactory()
    _run("lt_halt", "--strategy", strategy.slug)
    _run("lt_halt", "--strategy", strategy.slug)
    assert Alert.objects.filter(strategy=strategy).count() == 1
