"""`matching_engine`: orders/s through the sandbox's matching engine, in-process.

A seeded stream of limit and marketable orders (GTC, FAK, FOK) around a 0.50 mid on one
token, placed with `Exchange.place` — matching, reservations, transfers and trade records,
without HTTP or signature checks. Target: ≥ 2,000 orders/s.
"""

from __future__ import annotations

import contextlib
import random
import time

from sandbox.engine import Exchange, Order, OrderRejected, OrderType, Side
from sandbox.units import UNIT

N = 50_000
TOKEN = "1"
TRADERS = [f"0x{n:040x}" for n in range(1, 21)]


def _orders(n: int, seed: int = 1) -> list[Order]:
    rng = random.Random(seed)
    orders = []
    for i in range(n):
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        direction = 1 if side is Side.BUY else -1
        if rng.random() < 0.3:  # marketable: reaches into the other side of the book
            price = 5000 + direction * rng.randint(0, 6) * 100
            order_type = rng.choice((OrderType.FAK, OrderType.FOK))
        else:  # resting behind the mid
            price = 5000 - direction * rng.randint(1, 20) * 100
            order_type = OrderType.GTC
        maker = rng.choice(TRADERS)
        orders.append(
            Order(
                id=f"0x{i:064x}",
                owner=maker,
                maker=maker,
                token_id=TOKEN,
                side=side,
                price=max(100, min(9900, price)),
                size=rng.randint(5, 200) * UNIT,
                order_type=order_type,
            )
        )
    return orders


def run() -> dict[str, dict[str, float | int | str]]:
    exchange = Exchange()
    for trader in TRADERS:
        exchange.credit(trader, pusd=10**12 * UNIT, token_id=TOKEN, shares=10**12 * UNIT)
    orders = _orders(N)
    latencies: list[float] = []
    started = time.perf_counter()
    for order in orders:
        t0 = time.perf_counter()
        with contextlib.suppress(OrderRejected):  # killed FOK/FAK are part of the load
            exchange.place(order, now=0.0)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "matching_engine": {
            "n": N,
            "per_s": round(N / elapsed),
            "p50_ms": round(latencies[N // 2] * 1000, 4),
            "p99_ms": round(latencies[int(N * 0.99)] * 1000, 4),
            "trades": len(exchange.trade_log),
            "target_per_s": 2000,
        }
    }


if __name__ == "__main__":
    print(run())
