"""The hot path's I/O: every hand-written SQL statement of signal intake, the risk decision
and order sending lives in this package, and nowhere else.

Why hand-written: a signal is decided in three round trips to PostgreSQL (the key, then the
claim with the decision's reads, then the decision's writes with the COMMIT), and the time
of each round trip, and of compiling querysets, is most of a signal's latency. Measured on a
2-core machine: compiling a queryset costs more CPU than PostgreSQL spends running it (about
a third of a signal's Python time); four small SELECTs take 1.1 ms of CPU one by one and
0.4 ms as one multi-statement query; a prepared statement plans in a sixth of the time. So:

- `sql`: statements sent together in one round trip, prepared once per connection, rows
  turned into model instances the way a queryset would (`instance_from`), INSERTs built
  without the ORM (`insert_statement`);
- `decisions`: a decision's snapshot read under the strategy's lock in one round trip, and
  its rows written in one more (`DecisionUnit`);
- `intake`: the signal's own statements (key check, signature claim, insert, stored answer)
  sent with the decision's;
- `orders`: the executor's claim of an accepted order and its sending lease.

The domain does not see any of this: `risk.decision.decide` is a pure function over a
snapshot, `risk.engine` runs it between a `DecisionUnit`'s load and write.
"""
