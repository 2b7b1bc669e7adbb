"""What an alert mail says, rendered from `templates/monitoring/`.

Written to be read on a phone: what happened, to which strategy and market (by question and
outcome, never a bare token id), the figures behind it, what LT did, and the admin link to
act. Plain text and HTML parts carry the same content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from execution.models import MarketToken

from .alerts import SEVERITY_RANK
from .models import Alert

_TOKEN_ID = re.compile(r"^\d{16,}$")  # ERC-1155 position ids: long decimal numbers


@dataclass(frozen=True)
class AlertView:
    """One alert as the mail shows it."""

    id: int
    severity: str
    subject: str
    strategy: str
    market: str
    outcome: str
    message: str
    action: str
    figures: list[tuple[str, str]]
    count: int
    new_count: int
    first_seen: str
    last_seen: str
    resolved: bool
    resolution: str
    acknowledged_by: str
    admin_url: str


def absolute(path: str) -> str:
    return settings.LT_BASE_URL.rstrip("/") + path


def _views(alerts: list[Alert]) -> list[AlertView]:
    names = _token_names(alerts)
    return [_view(alert, names) for alert in alerts]


def _view(alert: Alert, names: dict[str, str]) -> AlertView:
    market = alert.market.question if alert.market else ""
    return AlertView(
        id=alert.pk,
        severity=alert.severity.upper(),
        subject=alert.subject,
        strategy=alert.strategy.slug if alert.strategy else "",
        market=market,
        outcome=alert.outcome,
        message=alert.message,
        action=alert.action,
        figures=list(_figures(alert.context, names)),
        count=alert.count,
        new_count=alert.count - alert.sent_count,
        first_seen=f"{alert.created_at:%Y-%m-%d %H:%M:%S} UTC",
        last_seen=f"{alert.last_seen_at:%Y-%m-%d %H:%M:%S} UTC",
        resolved=alert.state == Alert.State.RESOLVED,
        resolution=alert.resolution,
        acknowledged_by=alert.acknowledged_by,
        admin_url=absolute(reverse("admin:monitoring_alert_change", args=[alert.pk])),
    )


def _figures(context: dict[str, Any], names: dict[str, str]) -> Iterator[tuple[str, str]]:
    """The context as (label, value) lines, token ids replaced by their market's name."""
    for key, value in context.items():
        if value in (None, "", [], {}):
            continue
        label = names.get(key, key.replace("_", " "))
        if isinstance(value, dict):
            for inner, item in value.items():
                yield f"{label}: {names.get(inner, inner)}", _plain(item, names)
        else:
            yield label, _plain(value, names)


def _plain(value: Any, names: dict[str, str]) -> str:
    if isinstance(value, list | tuple):
        return " / ".join(_plain(v, names) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{names.get(k, k)} {_plain(v, names)}" for k, v in value.items())
    text = str(value)
    return names.get(text, text)


def _token_ids(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _token_ids(key)
            yield from _token_ids(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _token_ids(item)
    elif isinstance(value, str) and _TOKEN_ID.match(value):
        yield value


def _token_names(alerts: Iterable[Alert]) -> dict[str, str]:
    """token id → "question — outcome" for every token id the alerts' figures mention."""
    ids = {token for alert in alerts for token in _token_ids(alert.context)}
    if not ids:
        return {}
    tokens = MarketToken.objects.filter(token_id__in=ids).select_related("market")
    return {
        t.token_id: f"{t.market.question or t.market.condition_id} — {t.outcome}" for t in tokens
    }


def _subject(views: list[AlertView], alerts: list[Alert]) -> str:
    prefix = settings.ALERT_SUBJECT_PREFIX
    live = [a for a in alerts if a.state != Alert.State.RESOLVED]
    if not live:
        head = "RESOLVED"
    else:
        head = max((a.severity for a in live), key=lambda s: SEVERITY_RANK[s]).upper()
    first = views[0]
    title = first.subject + (f" (×{first.count})" if first.count > 1 else "")
    if len(views) > 1:
        title = f"{len(views)} alerts: {title} and {len(views) - 1} more"
    # One line: a header with a line break in it is refused (and a market question may hold one).
    return " ".join(f"{prefix} {head} · {title}".split())[:250]


def render_alert_mail(alerts: list[Alert]) -> tuple[str, str, str]:
    """(subject, text, html) of one message carrying `alerts`, worst and newest first."""
    ordered = sorted(
        alerts,
        key=lambda a: (a.state == Alert.State.RESOLVED, -SEVERITY_RANK[a.severity], -a.pk),
    )
    views = _views(ordered)
    context = {
        "alerts": [v for v in views if not v.resolved],
        "resolved": [v for v in views if v.resolved],
        "alerts_url": absolute(reverse("admin:monitoring_alert_changelist")),
        "count": len(views),
    }
    text = render_to_string("monitoring/alert_mail.txt", context)
    html = render_to_string("monitoring/alert_mail.html", context)
    return _subject(views, ordered), text, html


def render_digest_mail(alerts: list[Alert], *, open_count: int) -> tuple[str, str, str]:
    views = _views(alerts)
    context = {
        "alerts": views,
        "open_count": open_count,
        "alerts_url": absolute(reverse("admin:monitoring_alert_changelist")),
    }
    subject = f"{settings.ALERT_SUBJECT_PREFIX} digest · {len(views)} events"
    text = render_to_string("monitoring/digest_mail.txt", context)
    html = render_to_string("monitoring/digest_mail.html", context)
    return subject, text, html
