"""Turning validation errors into the one readable line commands print."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError


def first_error_line(error: ValidationError, names: Mapping[str, str] | None = None) -> str:
    """`field: message` for the first field error (named as the user wrote it), else the message."""
    if hasattr(error, "error_dict"):
        field, errors = next(iter(error.error_dict.items()))
        name = (names or {}).get(field, field)
        return f"{name}: {errors[0].messages[0]}"
    return str(error.messages[0])
