"""The admin is the configuration UI: every page a superuser can reach answers 200."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse

from monitoring.models import Alert
from risk.models import RiskState, TradingState
from risk.reasons import ReasonCode
from strategies.models import Strategy
from tests.factories import FACTORY_BY_MODEL, StrategyFactory

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)
# Models operators configure; everything else is state or an audit trail, shown read-only.
EDITABLE = {"strategies.Strategy", "risk.RiskRules"}
# Admins may also add users and groups, and schedule one-off jobs.
THIRD_PARTY_EDITABLE = {"auth.User", "auth.Group", "django_q.Schedule"}


def _url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _instance(model: type[models.Model]) -> models.Model:
    if model is RiskState:
        return StrategyFactory().risk_state
    return FACTORY_BY_MODEL[model]()


def test_every_lt_model_is_registered() -> None:
    lt_models = {m for m in FACTORY_BY_MODEL}
    assert lt_models <= set(admin.site._registry)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_changelist_answers_200(admin_client_logged_in: Client, model: type[models.Model]) -> None:
    if model in FACTORY_BY_MODEL or model is RiskState:
        _instance(model)  # a row, so the list renders its columns too
    assert admin_client_logged_in.get(_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_add_page_answers_200_where_the_admin_offers_adding(
    admin_client_logged_in: Client, model: type[models.Model], rf: RequestFactory
) -> None:
    request = rf.get("/")
    request.user = User.objects.get(username="root-admin")
    offers_add = admin.site._registry[model].has_add_permission(request)
    # Operators configure strategies and rules; every LT state or audit row is read-only,
    # since adding one by hand would falsify the trail.
    assert offers_add == (model._meta.label in EDITABLE | THIRD_PARTY_EDITABLE)
    response = admin_client_logged_in.get(_url(model, "add"))
    assert response.status_code == (200 if offers_add else 403)


@pytest.mark.parametrize(
    "model", [m for m in REGISTERED if m in FACTORY_BY_MODEL], ids=lambda m: m._meta.label
)
def test_change_page_answers_200(admin_client_logged_in: Client, model: type[models.Model]) -> None:
    obj = _instance(model)
    assert admin_client_logged_in.get(_url(model, "change", obj.pk)).status_code == 200


def test_strategy_and_rules_add_pages_show_fieldsets_and_help(
    admin_client_logged_in: Client,
) -> None:
    page = admin_client_logged_in.get(_url(Strategy, "add")).content.decode()
    assert "Trading" in page and "paper: simulated fills" in page
    from risk.models import RiskRules

    page = admin_client_logged_in.get(_url(RiskRules, "add")).content.decode()
    for legend in ("Budgets", "Circuit breakers", "Sizing", "Exits", "Orders"):
        assert legend in page
    assert "IANA time zone" in page


def test_rules_admin_refuses_negative_budget_and_unknown_timezone(
    admin_client_logged_in: Client,
) -> None:
    strategy = StrategyFactory()
    rules = strategy.risk_rules
    url = _url(type(rules), "change", rules.pk)
    form = {
        "budget_daily": "-5",
        "budget_timezone": "Mars/Olympus",
        "sizing_mode": "fixed_notional",
        "sizing_notional": "10",
        "order_type": "FAK",
        "order_max_slippage_bps": "200",
    }
    response = admin_client_logged_in.post(url, form)
    assert response.status_code == 200  # the form again, with errors
    errors = response.context["adminform"].form.errors
    assert "budget_daily" in errors and "budget_timezone" in errors
    rules.refresh_from_db()
    assert rules.budget_daily == 100


def test_halt_and_resume_actions_change_state_and_write_alerts(
    admin_client_logged_in: Client,
) -> None:
    strategy = StrategyFactory()
    url = _url(Strategy, "changelist")
    admin_client_logged_in.post(url, {"action": "halt", "_selected_action": [strategy.pk]})
    strategy.risk_state.refresh_from_db()
    assert strategy.risk_state.trading_state == TradingState.HALTED
    assert strategy.risk_state.reason_code == ReasonCode.MANUAL_HALT

    admin_client_logged_in.post(url, {"action": "resume", "_selected_action": [strategy.pk]})
    strategy.risk_state.refresh_from_db()
    assert strategy.risk_state.trading_state == TradingState.ACTIVE
    codes = list(Alert.objects.filter(strategy=strategy).values_list("reason_code", flat=True))
    assert sorted(codes) == [ReasonCode.MANUAL_HALT, ReasonCode.MANUAL_RESUME]


def test_admin_never_shows_a_credential_salt_or_secret(admin_client_logged_in: Client) -> None:
    from tests.factories import ApiCredentialFactory

    credential = ApiCredentialFactory(salt="feedface" * 8)
    for url in (
        _url(type(credential), "change", credential.pk),
        _url(Strategy, "change", credential.strategy.pk),
    ):
        page = admin_client_logged_in.get(url).content.decode()
        assert credential.key_id in page
        assert "feedface" not in page
