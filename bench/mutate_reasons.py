"""Why each mutant that `make mutate` leaves alive is left: it is equivalent (no input can
tell it from the original) or not worth a test. Keyed by mutmut's mutant name; the report
marks a survivor missing here as unexplained."""

from __future__ import annotations

SURVIVOR_REASONS: dict[str, str] = {}
