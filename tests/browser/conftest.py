"""Browser tests: Playwright (pytest-playwright) driving Debian's Chromium against LT served by
pytest-django's live server, with the sandbox venue behind it and the bundled demo fed in.

Chromium is the system's (`make test` installs Debian's package); Playwright never downloads a
browser. Every page the tests open is kept as a screenshot in var/test-artifacts/screenshots/.

Playwright lives for this package's tests only, where pytest-playwright keeps it for the whole
session: while its sync API is started, asyncio reports a running loop in the main thread,
and Django then keeps that thread's database connections apart from the ones it had before
(asgiref's thread-critical local). Left running, every later test would use connections of
the one kind while a forked worker (which sees no running loop) picked up the other, a stale
one. So the plugin's Playwright, browser and context arguments are redefined below with the
package's scope; its `context` and `page` fixtures and its command-line options still apply.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import User
from django.db import connections
from playwright.sync_api import (
    Browser,
    BrowserType,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    sync_playwright,
)
from pytest_django.fixtures import Settings

from execution.venue.session import get_venue, reset_venue
from monitoring.health.runner import health_checks_run
from sandbox.demo import (
    DEMO_FILE,
    DEMO_SIGNER_KEY,
    DemoPlan,
    DemoTarget,
    FeedTally,
    demo_feed,
    demo_plan,
    demo_reconcile,
    demo_strategies_ensure,
    demo_wallet_prepare,
)
from sandbox.testing import SandboxHandle

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are plain
# synchronous code between its calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "screenshots"
PASSWORD = "correct-horse-battery"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        # As root in a container; and no background calls to Google's hosts (closed network).
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    started = sync_playwright().start()
    try:
        yield started
    finally:
        connections.close_all()  # the ones opened while Playwright's loop was "running"
        started.stop()


@pytest.fixture(scope="package")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    return getattr(playwright, browser_name)


@pytest.fixture(scope="package")
def launch_browser(
    browser_type_launch_args: dict[str, Any], browser_type: BrowserType
) -> Callable[..., Browser]:
    return lambda **options: browser_type.launch(**{**browser_type_launch_args, **options})


@pytest.fixture(scope="package")
def browser(launch_browser: Callable[[], Browser]) -> Iterator[Browser]:
    chromium = launch_browser()
    yield chromium
    chromium.close()


@pytest.fixture(scope="package")
def browser_context_args() -> dict[str, Any]:
    return {}  # a fresh context per test (the plugin's `context`), nothing preset


@dataclass
class Watch:
    """What a page did behind the scenes: console errors and every request's URL."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def foreign(self, base: str) -> list[str]:
        return [url for url in self.requests if not url.startswith((base, "data:", "blob:"))]


@pytest.fixture
def watch(page: Page) -> Watch:
    seen = Watch()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.errors.append(message.text)

    def request(req: Request) -> None:
        seen.requests.append(req.url)

    page.on("console", console)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("request", request)
    return seen


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@dataclass
class Demo:
    plan: DemoPlan
    targets: list[DemoTarget]
    tally: FeedTally
    lines: list[str]

    def target(self, mode: str) -> DemoTarget:
        return next(t for t in self.targets if t.mode == mode)


@pytest.fixture
def demo(live_server: Any, live_venue: SandboxHandle, settings: Settings) -> Iterator[Demo]:
    """LT served on the live server with the bundled FT stream fed in, as `make run` does."""
    settings.SIGNER_PRIVATE_KEY = DEMO_SIGNER_KEY  # LT's own sandbox wallet, never account 0
    reset_venue()
    venue = get_venue()
    lines: list[str] = []
    plan = demo_plan(path=DEMO_FILE, venue=venue)
    targets = demo_strategies_ensure()
    demo_wallet_prepare(venue=venue, write=lines.append)
    assert demo_reconcile(write=lines.append), lines
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        tally = demo_feed(
            plan, targets=targets, client=client, venue=venue, write=lines.append, speed=0
        )
    health_checks_run()
    yield Demo(plan, targets, tally, lines)
    reset_venue()


@pytest.fixture
def operator(transactional_db: None) -> User:
    return User.objects.create_user("ana", password=PASSWORD, is_staff=True)


def log_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", user.get_username())
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
