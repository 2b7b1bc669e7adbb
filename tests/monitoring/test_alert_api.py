"""Operators act on alerts through the API and the admin: acknowledge, resolve, re-send."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from monitoring.models import Alert
from tests.factories import AlertFactory, StrategyFactory

pytestmark = pytest.mark.django_db


def test_anonymous_callers_and_non_staff_get_nothing() -> None:
    AlertFactory()
    assert Client().get(reverse("alerts")).status_code == 403
    user = User.objects.create_user("trader", password="pw")
    client = Client()
    client.force_login(user)
    assert client.get(reverse("alerts")).status_code == 403
    assert client.post(reverse("alert-acknowledge", args=[1])).status_code == 403


def test_the_list_shows_unresolved_alerts_by_default(admin_client_logged_in: Client) -> None:
    strategy = StrategyFactory(slug="copy-whale")
    open_one = AlertFactory(strategy=strategy, severity=Alert.Severity.CRITICAL)
    AlertFactory(state=Alert.State.RESOLVED)
    answer = admin_client_logged_in.get(reverse("alerts"))
    assert answer.status_code == 200
    (row,) = answer.json()["results"]
    assert (row["id"], row["strategy"], row["severity"], row["state"]) == (
        open_one.pk,
        "copy-whale",
        "critical",
        "open",
    )
    resolved = admin_client_logged_in.get(reverse("alerts"), {"state": "resolved"}).json()
    assert resolved["count"] == 1


def test_a_bad_filter_is_a_400_with_the_field(admin_client_logged_in: Client) -> None:
    answer = admin_client_logged_in.get(reverse("alerts"), {"state": "sleeping"})
    assert answer.status_code == 400
    assert "state" in answer.json()


def test_acknowledge_then_resolve_records_who_and_refuses_a_second_time(
    admin_client_logged_in: Client,
) -> None:
    alert = AlertFactory()
    acknowledged = admin_client_logged_in.post(reverse("alert-acknowledge", args=[alert.pk]))
    assert acknowledged.status_code == 200
    assert (acknowledged.json()["state"], acknowledged.json()["acknowledged_by"]) == (
        "acknowledged",
        "root-admin",
    )
    again = admin_client_logged_in.post(reverse("alert-acknowledge", args=[alert.pk]))
    assert again.status_code == 409
    resolved = admin_client_logged_in.post(
        reverse("alert-resolve", args=[alert.pk]),
        {"note": "restarted the node"},
        content_type="application/json",
    )
    assert resolved.status_code == 200
    assert (resolved.json()["state"], resolved.json()["resolution"]) == (
        "resolved",
        "restarted the node",
    )
    assert admin_client_logged_in.post(reverse("alert-resolve", args=[alert.pk])).status_code == 409
    missing = admin_client_logged_in.post(reverse("alert-resolve", args=[alert.pk + 1000]))
    assert missing.status_code == 404


def test_a_resolve_note_too_long_is_a_400_and_changes_nothing(
    admin_client_logged_in: Client,
) -> None:
    alert = AlertFactory()
    answer = admin_client_logged_in.post(
        reverse("alert-resolve", args=[alert.pk]),
        {"note": "x" * 2001},
        content_type="application/json",
    )
    assert answer.status_code == 400 and "note" in answer.json()
    alert.refresh_from_db()
    assert alert.state == Alert.State.OPEN


def test_admin_bulk_actions_acknowledge_and_resolve(admin_client_logged_in: Client) -> None:
    alerts = [AlertFactory(), AlertFactory()]
    url = reverse("admin:monitoring_alert_changelist")
    ids = [a.pk for a in alerts]
    admin_client_logged_in.post(url, {"action": "acknowledge", "_selected_action": ids})
    assert set(Alert.objects.values_list("state", "acknowledged_by")) == {
        (Alert.State.ACKNOWLEDGED, "root-admin")
    }
    admin_client_logged_in.post(url, {"action": "resolve", "_selected_action": ids})
    assert set(Alert.objects.values_list("state", "resolved_by")) == {
        (Alert.State.RESOLVED, "root-admin")
    }


def test_admin_can_send_a_failed_mail_again(admin_client_logged_in: Client) -> None:
    from django.core import mail

    alert = AlertFactory(
        severity=Alert.Severity.CRITICAL,
        delivery=Alert.Delivery.FAILED,
        attempts=3,
        last_error="Connection refused",
    )
    url = reverse("admin:monitoring_alert_changelist")
    admin_client_logged_in.post(url, {"action": "retry_mail", "_selected_action": [alert.pk]})
    alert.refresh_from_db()
    assert alert.delivery == Alert.Delivery.PENDING
    from monitoring.delivery import alerts_deliver

    assert alerts_deliver() == 1 and len(mail.outbox) == 1


def test_the_alert_page_a_mail_links_to_offers_acknowledge_and_resolve(
    admin_client_logged_in: Client,
) -> None:
    alert = AlertFactory(subject="Spread breaker tripped: copy-whale")
    page = admin_client_logged_in.get(reverse("admin:monitoring_alert_change", args=[alert.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "Spread breaker tripped: copy-whale" in html
    assert 'value="acknowledge"' in html and 'value="resolve"' in html
    admin_client_logged_in.post(
        reverse("admin:monitoring_alert_changelist"),
        {"action": "resolve", "_selected_action": [alert.pk]},
    )
    alert.refresh_from_db()
    assert alert.state == Alert.State.RESOLVED
    page = admin_client_logged_in.get(reverse("admin:monitoring_alert_change", args=[alert.pk]))
    assert 'value="resolve"' not in page.content.decode()
