"""The same warning at most once per window, then with the count of those held back."""

from __future__ import annotations

import logging

from ltproject.unavailable import RepeatedRecordFilter


def _record(msg: str, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord("lt", level, __file__, 1, msg, ("/a",), None)


def test_a_repeat_inside_the_window_is_held_and_counted_at_the_window_it_is_let_through():
    now = [100.0]
    repeats = RepeatedRecordFilter(seconds=10, clock=lambda: now[0])
    assert repeats.filter(_record("Service Unavailable: %s"))
    now[0] = 109.999
    assert not repeats.filter(_record("Service Unavailable: %s"))
    assert not repeats.filter(_record("Service Unavailable: %s"))
    now[0] = 110.0  # exactly the window after the last line let through
    through = _record("Service Unavailable: %s")
    assert repeats.filter(through)
    assert through.getMessage() == "Service Unavailable: /a [2 more like this in the last 10 s]"
    now[0] = 110.001
    assert not repeats.filter(_record("Service Unavailable: %s"))


def test_other_messages_and_info_lines_are_never_held():
    repeats = RepeatedRecordFilter(seconds=10, clock=lambda: 0.0)
    assert repeats.filter(_record("one: %s"))
    assert repeats.filter(_record("two: %s"))
    assert repeats.filter(_record("one: %s", logging.WARNING))  # another level
    for _ in range(3):
        assert repeats.filter(_record("chatty: %s", logging.INFO))
