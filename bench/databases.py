"""Fresh PostgreSQL databases for benchmarks that run their subject in other processes."""

from __future__ import annotations

import subprocess
import sys

from bench.bench_intake import ROOT, _database_urls, _fresh_database


def bench_database(name: str) -> str:
    """The URL of an empty database `<DATABASE_URL name>_bench_<name>`, made anew."""
    admin, url, database = _database_urls(f"_bench_{name}")
    _fresh_database(admin, database)
    return url


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
