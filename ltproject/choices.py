"""Enumerations with labels, as Django's `TextChoices` has them, without Django.

The vocabulary the pure risk decision reads (sides, modes, order types, reason codes, trading
states...) is defined with this base, so that `risk.decision` imports nothing of Django's
database layer. Members are `str`s (stored and compared as their value); a model field takes
`choices=Kind.choices`, exactly as with `TextChoices`.
"""

from __future__ import annotations

import enum
from typing import Any


class _ChoicesType(enum.EnumType):
    """Members written `NAME = "value", "Label"` (or just `"value"`: the name as label)."""

    def __new__(
        metacls,
        classname: str,
        bases: tuple[type, ...],
        classdict: Any,
        **kwds: Any,
    ) -> Any:
        labels = []
        for key in classdict._member_names:
            value = classdict[key]
            if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], str):
                value, label = value
            else:
                label = key.replace("_", " ").title()
            labels.append(label)
            dict.__setitem__(classdict, key, value)  # past the enum's double-assignment guard
        cls = super().__new__(metacls, classname, bases, classdict, **kwds)
        members: list[Any] = list(cls.__members__.values())
        for member, label in zip(members, labels, strict=True):
            member._label_ = label
        return enum.unique(cls)  # type: ignore[type-var]

    @property
    def choices(cls) -> list[tuple[str, str]]:
        members: list[Any] = list(cls)
        return [(member.value, member.label) for member in members]

    @property
    def values(cls) -> list[str]:
        return [value for value, _ in cls.choices]

    @property
    def labels(cls) -> list[str]:
        return [label for _, label in cls.choices]


class TextChoices(enum.StrEnum, metaclass=_ChoicesType):
    """A `str` enumeration whose members carry a label (`Kind.X.label`)."""

    _label_: str
    do_not_call_in_templates = enum.nonmember(True)  # templates read members, never call them

    @property
    def label(self) -> str:
        return self._label_
