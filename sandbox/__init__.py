"""The sandbox venue: a local CLOB that speaks Polymarket's wire protocol.

Tests and the demo point the real py-clob-client-v2 at it, so LT's venue code runs over real
HTTP exactly as it would against clob.polymarket.com. State lives in memory; a seeded crowd
and a resolution driver run on a sandbox clock that tests step by hand.
"""
