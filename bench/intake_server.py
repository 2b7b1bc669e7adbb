"""gunicorn configuration for the `intake` benchmark: books from a file, no venue needed.

The file named by LT_BENCH_BOOKS (`{token_id: {"bids": [[p, s]...], "asks": [...]}}`) is
installed as the intake's market data in every worker.
"""

from __future__ import annotations

import json
import os
from typing import Any


def post_worker_init(worker: Any) -> None:
    from risk.market_data import books_from_mapping, set_market_data

    with open(os.environ["LT_BENCH_BOOKS"]) as handle:
        set_market_data(books_from_mapping(json.load(handle)))
