"""Why each mutant that `make mutate` leaves alive is left: it is equivalent (no input can
tell it from the original) or not worth a test. One module per group of mutated code, each
with SURVIVOR_REASONS (keys are mutmut's mutant names or fnmatch patterns of them; the first
match wins), DIFF_REASONS (module pattern, regex over the mutant's changed lines, reason: one
kind of change wherever it is in a module) and optionally EXCLUSIONS (by file and a fnmatch
pattern of the line's code: the reason of each line kept from mutation by a `# pragma: no
mutate` comment; only lines no test can observe). The report marks a survivor that no entry
explains as unexplained."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from bench.mutate_reasons import (
    execution,
    money,
    redemption,
    redemption_core,
    risk,
    risk_rules,
    signing,
)

_AREAS = (money, signing, execution, risk_rules, risk, redemption, redemption_core)

SURVIVOR_REASONS: dict[str, str] = {
    name: reason for area in _AREAS for name, reason in area.SURVIVOR_REASONS.items()
}
DIFF_REASONS: list[tuple[str, str, str]] = [entry for area in _AREAS for entry in area.DIFF_REASONS]
EXCLUSIONS: dict[tuple[str, str], str] = {
    key: reason for area in _AREAS for key, reason in getattr(area, "EXCLUSIONS", {}).items()
}


def survivor_reason(name: str, diff: str = "") -> str:
    for pattern, reason in SURVIVOR_REASONS.items():
        if fnmatchcase(name, pattern):
            return reason
    for module, regex, reason in DIFF_REASONS:
        if fnmatchcase(name, module) and re.search(regex, diff, re.MULTILINE):
            return reason
    return "unexplained"


def exclusion_reason(path: str, code: str) -> str:
    for (file, pattern), reason in EXCLUSIONS.items():
        if file == path and fnmatchcase(code, pattern):
            return reason
    return "no reason given"
