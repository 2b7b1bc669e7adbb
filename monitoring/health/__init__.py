"""Health checks of the trading machinery, run every 5 minutes (`runner.health_checks_run`).

One module per area: the venue, the chain, the wallet against the ledger, orders,
redemption, risk, the job queue and the database, and alert mail itself.
"""
