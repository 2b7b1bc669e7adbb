"""The dashboard as an operator uses it, in a real Chromium: log in, read the overview with
the demo's figures, halt and resume and see signals refused then accepted, acknowledge an
alert, open a strategy's page and its charts. No console error, no request to another host.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from django.contrib.auth.models import User
from playwright.sync_api import Page, ViewportSize, expect

from monitoring.health.runner import CHECKS
from monitoring.models import Alert
from risk.models import TradingState
from risk.selectors import global_risk_state
from sandbox.demo import signal_body, signal_post
from strategies.models import Strategy

from .conftest import Demo, Watch, log_in, screenshot

PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 900}


def _clean(watch: Watch, base: str) -> None:
    assert watch.errors == []
    assert watch.foreign(base) == []


def test_the_overview_shows_the_demo_and_what_needs_a_person(
    page: Page, watch: Watch, demo: Demo, operator: User, live_server: Any
) -> None:
    page.set_viewport_size(DESK)
    log_in(page, live_server.url, operator)
    strategies = page.locator("#strategies table")
    for target in demo.targets:
        expect(strategies).to_contain_text(target.slug)
    expect(page.locator("#kill-switch")).to_contain_text("Active")
    expect(page.locator("#health .tile")).to_have_count(len(CHECKS))  # one per health check
    page.wait_for_selector("#strategies .chart canvas")  # the curves came in through htmx
    screenshot(page, "overview-1280")
    # Money columns stay on screen at 1,280 px: the table needs no horizontal scroll.
    table_width = strategies.evaluate("t => t.scrollWidth")
    assert table_width <= 1280
    page.set_viewport_size(PHONE)
    screenshot(page, "overview-phone")
    _clean(watch, live_server.url)


def _send(demo: Demo, base: str) -> dict[str, Any]:
    """One more FT signal of the demo stream to its paper strategy; the decision."""
    signal = demo.plan.signals[0]
    token = demo.plan.tokens[signal.ref]
    body = signal_body(
        signal,
        token,
        target=demo.target("paper"),
        price=signal.price,
        run=f"browser-{time.monotonic_ns()}",
    )
    with httpx.Client(base_url=base, timeout=30) as client:
        answer = signal_post(client, demo.target("paper"), body)
    assert answer.status_code == 201, answer.text
    decided: dict[str, Any] = json.loads(answer.text)
    return decided


def test_halting_from_the_dashboard_refuses_the_next_signal_and_resuming_accepts_it(
    page: Page, watch: Watch, demo: Demo, operator: User, live_server: Any
) -> None:
    log_in(page, live_server.url, operator)
    halt = page.locator("#kill-switch form.halt")
    halt.locator("input[name=reason]").fill("venue looks odd")
    halt.locator("button[type=submit]").click()  # without the confirmation: refused
    expect(page.locator("#kill-switch")).to_contain_text("Active")
    halt.locator("input[name=confirm]").check()
    halt.locator("button[type=submit]").click()
    expect(page.locator("#kill-switch")).to_contain_text("Halted")
    screenshot(page, "overview-halted")
    assert global_risk_state().trading_state == TradingState.HALTED
    assert _send(demo, live_server.url)["reason_code"] == "GLOBAL_KILL_SWITCH"

    resume = page.locator("#kill-switch form.resume")
    resume.locator("input[name=reason]").fill("checked: all clear")
    resume.locator("button[type=submit]").click()
    expect(page.locator("#kill-switch")).to_contain_text("Active")
    assert _send(demo, live_server.url)["decision"] == "accepted"
    _clean(watch, live_server.url)


def test_an_alert_is_acknowledged_in_place(
    page: Page, watch: Watch, demo: Demo, operator: User, live_server: Any
) -> None:
    strategy = Strategy.objects.get(slug=demo.target("live").slug)
    from risk.services import strategy_halt

    strategy_halt(strategy=strategy, actor="ops", message="checking the wallet")
    log_in(page, live_server.url, operator)
    alert = Alert.objects.get(dedupe_key=f"trading-state:{strategy.slug}")
    row = page.locator(f"#alert-{alert.pk}")
    expect(row).to_contain_text("halted")
    row.get_by_role("button", name="Acknowledge").click()
    expect(row).to_contain_text("acknowledged")
    expect(row).to_contain_text("by ana")
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by) == (Alert.State.ACKNOWLEDGED, "ana")
    screenshot(page, "overview-alert-acknowledged")
    _clean(watch, live_server.url)


def test_a_strategy_page_shows_its_signals_positions_and_charts(
    page: Page, watch: Watch, demo: Demo, operator: User, live_server: Any
) -> None:
    log_in(page, live_server.url, operator)
    slug = demo.target("live").slug
    page.locator("#strategies").get_by_role("link", name=slug).click()
    page.wait_for_url(f"{live_server.url}/strategies/{slug}/")
    page.wait_for_selector(".chart canvas")  # uPlot drew the equity curve
    expect(page.locator("#slippage .hrow").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("FT against LT, signal by signal")
    expect(page.locator("main")).to_contain_text("Will")  # markets by question, not token id
    screenshot(page, f"strategy-{slug}")
    page.set_viewport_size(PHONE)
    screenshot(page, f"strategy-{slug}-phone")
    for name in ("markets", "redemptions", "health"):
        page.goto(f"{live_server.url}/{name}/")
        expect(page.locator("h1")).to_be_visible()
        screenshot(page, name)
    _clean(watch, live_server.url)
