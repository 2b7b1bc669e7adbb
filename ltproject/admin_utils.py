"""Admin building blocks shared by the apps."""

from __future__ import annotations

from operator import attrgetter
from typing import Any, ClassVar, TypeVar

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from execution.selectors import with_market_labels

_M = TypeVar("_M", bound=models.Model)

# Shown where LT never recorded the token's market (e.g. a signal for a market not synced yet).
UNKNOWN_MARKET = "Unknown market"
# The annotations `with_market_labels` adds; the list's columns sort and search on them.
QUESTION = "market_question"
OUTCOME = "market_outcome"
# What `MarketLabelsAdmin` adds to a detail page, first.
_LABEL_FIELDS = ("market_and_outcome", "token")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Event rows and computed state: operators look, services write.

    Decisions, fills, alerts and the like are an audit trail; editing them by hand would make
    the trail lie, so the admin shows them without add, change or delete.
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def market_label(question: str | None, outcome: str | None) -> str:
    """The question and the outcome ("Will BTC close above $150k? — Yes").

    What an operator recognises, unlike a 77-digit token id.
    """
    shown = question or UNKNOWN_MARKET
    return f"{shown} — {outcome}" if outcome else shown


class MarketLabelsAdmin(ReadOnlyAdmin):
    """A read-only list of rows about one outcome token, shown by market and outcome.

    A 77-digit token id means nothing to an operator, so the list shows the question and the
    outcome instead; the detail page keeps the token id (below the market) for whoever needs
    the raw id, and the search still finds a row by it.
    """

    # Path from the row to its token id, and to its market foreign key where it has one.
    token_path: ClassVar[str] = "token_id"
    market_path: ClassVar[str | None] = None
    readonly_fields = ("market_and_outcome", "token")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        return with_market_labels(
            queryset, token_path=self.token_path, market_path=self.market_path
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # The market first on the detail page: it is what the row is about. A row whose token
        # id sits on a related row (a fill's order) shows that id too; one with its own
        # token_id field shows the field.
        own = [f for f in super().get_fields(request, obj) if f not in _LABEL_FIELDS]
        if self.token_path == "token_id":
            return ["market_and_outcome", *own]
        return ["market_and_outcome", "token", *own]

    @admin.display(description="Market — outcome", ordering=QUESTION)
    def market_and_outcome(self, obj: Any) -> str:
        return market_label(getattr(obj, QUESTION, None), getattr(obj, OUTCOME, None))

    @admin.display(description="Token id")
    def token(self, obj: Any) -> str:
        # Detail page only (one row), so following the path row by row costs nothing.
        return str(attrgetter(self.token_path.replace("__", "."))(obj))
