"""What every operator endpoint shares: who may call it, how lists are paged, and the
answers the schema documents for callers who may not."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

# Session authentication answers 403 to anonymous callers too (no WWW-Authenticate challenge).
FORBIDDEN = OpenApiResponse(description="Not logged in as staff (anonymous or not an operator).")
NOT_FOUND = OpenApiResponse(description="No such object.")
BAD_FILTER = OpenApiResponse(description="A filter with a bad value: the field's error.")


class OperatorApi(APIView):
    permission_classes = [IsAdminUser]
    FilterSerializer: type[serializers.Serializer[Any]]

    def filters(self, request: Request) -> dict[str, Any]:
        """The query's filters, validated by the view's FilterSerializer (400 naming a bad one)."""
        found = self.FilterSerializer(data=request.query_params)
        found.is_valid(raise_exception=True)
        return dict(found.validated_data)


class OperatorPages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def paged(
    request: Request,
    view: APIView,
    rows: QuerySet[Any],
    output: type[serializers.BaseSerializer[Any]],
    prepare: Callable[[list[Any]], Sequence[Any]] | None = None,
) -> Response:
    """One page of `rows` as `{count, next, previous, results}`; `prepare` turns the page's
    rows into what `output` shows (e.g. figures read for the whole page at once)."""
    pages = OperatorPages()
    page = list(pages.paginate_queryset(rows, request, view=view) or [])
    shown = prepare(page) if prepare is not None else page
    return pages.get_paginated_response(output(shown, many=True).data)
