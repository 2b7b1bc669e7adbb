"""The dashboard's pages: overview, strategy, markets (exposure), redemptions, health.

Server-rendered; panels that change (alerts, health, strategies) refresh through htmx without
a page reload. Every page is for staff only; every action is a POST with its CSRF token, and
the kill switch asks for a reason and a confirmation before it acts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from execution.selectors import strategy_comparison
from monitoring.alerts import alert_acknowledge
from monitoring.models import Alert
from monitoring.selectors import alerts_open, latest_health
from monitoring.selectors.curves import equity_curve
from monitoring.selectors.exposure import exposures
from monitoring.selectors.health import health_days, health_history, health_tiles
from monitoring.selectors.strategies import strategy_figures
from monitoring.selectors.tables import (
    breakers_open,
    positions_table,
    redemption_overdue,
    redemptions_table,
    redemptions_waiting,
    stop_levels,
    token_names,
    unrealised,
)
from redemption.models import RedemptionState
from risk.selectors import global_risk_state
from risk.services import strategy_halt, strategy_resume
from strategies.models import Strategy

from .forms import TradingStateForm

PAGE_SIZE = 50
ALERTS_SHOWN = 20

staff_only: Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]] = user_passes_test(
    lambda user: user.is_active and user.is_staff, login_url="dashboard:login"
)


def _page(request: HttpRequest, rows: Any, size: int = PAGE_SIZE) -> Page[Any]:
    return Paginator(rows, size).get_page(request.GET.get("page"))


def _actor(request: HttpRequest) -> str:
    return request.user.get_username() or "dashboard"


# --- overview --------------------------------------------------------------------------------


@require_GET
@staff_only
def overview(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    pending, overdue = redemptions_waiting(now=now)
    context = {
        "global_state": global_risk_state(),
        "strategies": _strategies_page(request, now),
        "breakers": list(breakers_open()),
        "alerts": list(alerts_open()[:ALERTS_SHOWN]),
        "alerts_total": alerts_open().count(),
        "redemptions_pending": pending,
        "redemptions_overdue": overdue,
        "tiles": health_tiles(now=now),
        "halt_form": TradingStateForm(initial={"action": "halt"}),
        "resume_form": TradingStateForm(initial={"action": "resume"}),
    }
    return render(request, "dashboard/overview.html", context)


@require_GET
@staff_only
def panel(request: HttpRequest, name: str) -> HttpResponse:
    """One overview panel, re-rendered for htmx's periodic refresh."""
    now = timezone.now()
    if name == "strategies":
        context: dict[str, Any] = {"strategies": _strategies_page(request, now)}
    elif name == "alerts":
        context = {
            "alerts": list(alerts_open()[:ALERTS_SHOWN]),
            "alerts_total": alerts_open().count(),
        }
    elif name == "health":
        context = {"tiles": health_tiles(now=now)}
    else:
        return HttpResponse(status=404)
    return render(request, f"dashboard/_{name}.html", context)


def _strategies_page(request: HttpRequest, now: datetime) -> Page[Any]:
    """A page of strategies, read as figures for that page only."""
    page = _page(
        request, Strategy.objects.select_related("risk_rules", "risk_state").order_by("slug")
    )
    page.object_list = strategy_figures(now=now, strategies=list(page.object_list))
    return page


@require_POST
@staff_only
def kill_switch(request: HttpRequest) -> HttpResponse:
    """Halt or resume everything: with a reason, and a ticked confirmation for a halt."""
    return _trading_state(request, strategy=None)


@require_POST
@staff_only
def strategy_state(request: HttpRequest, slug: str) -> HttpResponse:
    return _trading_state(request, strategy=get_object_or_404(Strategy, slug=slug))


def _trading_state(request: HttpRequest, *, strategy: Strategy | None) -> HttpResponse:
    form = TradingStateForm(request.POST)
    back = (
        redirect("dashboard:strategy", slug=strategy.slug)
        if strategy
        else redirect("dashboard:overview")
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return back
    reason, actor = form.cleaned_data["reason"], _actor(request)
    scope = strategy.slug if strategy else "every strategy"
    if form.cleaned_data["action"] == "halt":
        strategy_halt(strategy=strategy, actor=actor, message=reason)
        messages.warning(request, f"Halted {scope}: no new entries; exits still run.")
    else:
        strategy_resume(strategy=strategy, actor=actor, message=reason)
        messages.success(request, f"Resumed {scope}: entries are accepted again.")
    return back


@require_POST
@staff_only
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge one alert where it is shown (htmx swaps the row)."""
    alert = get_object_or_404(Alert, pk=pk)
    alert_acknowledge(alert=alert, actor=_actor(request))
    alert.refresh_from_db()
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "dashboard/_alert_row.html", {"alert": alert})
    return redirect("dashboard:overview")


# --- one strategy ----------------------------------------------------------------------------


@require_GET
@staff_only
def strategy(request: HttpRequest, slug: str) -> HttpResponse:
    chosen = get_object_or_404(
        Strategy.objects.select_related("risk_rules", "risk_state"), slug=slug
    )
    (figures,) = strategy_figures(now=timezone.now(), strategies=[chosen])
    comparison = strategy_comparison(strategy=chosen)
    signals = _page(request, comparison["rows"])
    _name_markets(list(signals.object_list))  # the page's own dicts, named in place
    positions = [
        (p, unrealised(p), stop_levels(p, chosen.risk_rules))
        for p in positions_table(strategy=slug)[:200]
    ]
    context = {
        "strategy": chosen,
        "figures": figures,
        "comparison": comparison,
        "signals": signals,
        "slippage": _with_shares(comparison["quality"]["slippage_bps_buckets"]),
        "positions": positions,
        "breakers": [b for b in breakers_open() if b.strategy_id in (None, chosen.pk)],
        "curve": equity_curve(strategy=chosen, comparison=comparison),
        "halt_form": TradingStateForm(initial={"action": "halt"}),
        "resume_form": TradingStateForm(initial={"action": "resume"}),
    }
    return render(request, "dashboard/strategy.html", context)


def _name_markets(rows: list[dict[str, Any]]) -> None:
    """Each comparison row gets its market's question and outcome (one query a page), and
    whether anything of it traded."""
    names = token_names({row["token_id"] for row in rows})
    for row in rows:
        row["market"], row["outcome"] = names.get(row["token_id"], ("", ""))
        row["traded"] = Decimal(row["filled"] or 0) > 0


def _with_shares(buckets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Slippage buckets with each count's share of the largest, for the bars."""
    top = max((b["count"] for b in buckets), default=0)
    return [b | {"share": Decimal(b["count"]) / top if top else Decimal(0)} for b in buckets]


@require_GET
@staff_only
def strategy_curve(request: HttpRequest, slug: str) -> HttpResponse:
    """The LT-vs-FT equity curve of one strategy, for the overview's row (loaded by htmx)."""
    chosen = get_object_or_404(Strategy.objects.select_related("risk_rules"), slug=slug)
    context = {
        "strategy": chosen,
        "curve": equity_curve(strategy=chosen),
        "curve_id": f"curve-{chosen.slug}",
        "small": True,
    }
    return render(request, "dashboard/_curve.html", context)


# --- markets, redemptions, health --------------------------------------------------------


@require_GET
@staff_only
def markets(request: HttpRequest) -> HttpResponse:
    by_market, by_event = exposures(strategy=request.GET.get("strategy", ""))
    context = {
        "by_market": _page(request, by_market),
        "by_event": Paginator(by_event, PAGE_SIZE).get_page(request.GET.get("events")),
        "strategies": Strategy.objects.order_by("slug").values_list("slug", flat=True),
        "chosen": request.GET.get("strategy", ""),
    }
    return render(request, "dashboard/markets.html", context)


@require_GET
@staff_only
def redemptions(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    state = request.GET.get("state", "")
    page = _page(request, redemptions_table(state=state))
    rows = [(r, redemption_overdue(r, now=now)) for r in page]
    states = [("open", "waiting (pending or submitted)"), *RedemptionState.choices]
    context = {"page": page, "rows": rows, "state": state, "states": states}
    return render(request, "dashboard/redemptions.html", context)


@require_GET
@staff_only
def health(request: HttpRequest) -> HttpResponse:
    name = request.GET.get("check", "")
    context = {
        "latest": latest_health(),
        "history": _page(request, health_history(name=name, status=request.GET.get("status", ""))),
        "days": health_days(name=name)[:60],
        "check": name,
        "status": request.GET.get("status", ""),
    }
    return render(request, "dashboard/health.html", context)
