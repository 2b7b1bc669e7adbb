"""JSON in and out: figures as JSON columns keep them (amounts as their exact decimal text,
times in ISO 8601), and input parsed only within bounds."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

# No LT document nests deeper than a few levels; 32 leaves room and stays far from what the
# C parser can take (see `recursion_limit_restore`).
MAX_JSON_DEPTH = 32
# What Python allows by default, with room for Django's and DRF's own depth.
SANE_RECURSION_LIMIT = 5_000


class JSONTooDeep(ValueError):
    """JSON nested deeper than MAX_JSON_DEPTH: refused before the parser sees it."""


def json_depth_check(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than `max_depth` (ValueError), without parsing it.

    The parser recurses in C once per level: a body of 150 KB of `[` overflows its stack (a
    SIGSEGV, not an exception) when the recursion limit is high. Counting brackets is enough
    to pass ordinary documents at once; only a body with many brackets is walked.
    """
    data = text.encode() if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return
    depth, in_string, escaped = 0, False, False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > max_depth:
                raise JSONTooDeep(f"JSON nested deeper than {max_depth} levels")
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1


def json_loads_bounded(
    text: str | bytes,
    *,
    parse_float: Callable[[str], Any] = Decimal,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """`json.loads` for input from outside (decimals exact), nesting bounded first."""
    json_depth_check(text, max_depth=max_depth)
    return json.loads(text, parse_float=parse_float)


def recursion_limit_restore() -> None:
    """Undo a dependency raising the recursion limit process-wide (py_ecc sets 100,000 on
    import): with it that high, deep input overflows the C stack before Python can refuse it."""
    import py_ecc  # noqa: F401 - imported here, once, so that it cannot raise the limit later

    if sys.getrecursionlimit() > SANE_RECURSION_LIMIT:
        sys.setrecursionlimit(SANE_RECURSION_LIMIT)


def jsonable(value: Any) -> Any:
    """`value` with every Decimal and datetime in it (dicts and lists too) turned into text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
