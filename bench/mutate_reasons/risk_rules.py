"""Survivors of the risk rules themselves: `risk/decision.py`, `sizing.py`, `portfolio.py`,
`books.py`, `models.py` (the rules' validation) and `services.py` (drawdowns, pauses)."""

from __future__ import annotations

SURVIVOR_REASONS: dict[str, str] = {
    # --- risk/models.py: the rules' validation ---------------------------------------------
    "risk.models.x__timezones__mutmut_2": (
        "Not worth a test: 'UTC' stays accepted (available_timezones() lists it), and the only "
        "name the mutant adds is the literal 'XXUTCXX', which no operator types; a test for it "
        "would test the mutant, not a rule."
    ),
    "risk.models.xǁRiskRulesǁclean__mutmut_30": (
        "Equivalent: `(ttl or 1) < 90` differs from `(ttl or 0) < 90` only for a TTL of None or "
        "0, where both are under 90 and the line before has already set 'GTD orders need a "
        "TTL.', which setdefault keeps."
    ),
    # --- risk/decision.py ------------------------------------------------------------------
    "risk.decision.xǁRejectǁ__init____mutmut_1": (
        "Equivalent: a Reject is caught only in decide() and book_wanted(), which read its "
        "`code` and `message` attributes, never the exception's args or str()."
    ),
    "risk.decision.xǁ_Runǁcheck_exposure__mutmut_8": (
        "Equivalent: a holding has no shares only when it has no cost either (hotpath's "
        "portfolio_from sums the sizes of open positions, size > 0, and the unfilled part of "
        "live orders with its price), so letting zero-share tokens into the cost map adds only "
        "zero costs, and only for tokens the shares map (which decides what is summed) leaves "
        "out."
    ),
    "risk.decision.xǁ_Runǁevent_exposure__mutmut_10": (
        "Equivalent: the snapshot maps the signal's own token to its market and event "
        "(hotpath's _TOKEN_EVENTS_SQL reads it with the held ones), and that token is always in "
        "`shares`, so the sum has at least one Decimal term, and starting it from int 0 "
        "instead of Decimal 0 gives the same value and type."
    ),
    "risk.decision.xǁ_Runǁresumed_if_due__mutmut_2[367]": (
        "Equivalent: the view a resume returns is read only by check_breakers' filter "
        "`state == BREAKER_OPEN` (a closed one is dropped; the write goes through the "
        "BreakerResumed effect), so a state of None instead of 'closed', or resume_at and "
        "normal_since left as they were, changes nothing."
    ),
    "risk.decision.xǁ_Runǁ__init____mutmut_9": (
        "Equivalent: `self.state` is set again by check_states, the first check, before "
        "anything reads it."
    ),
    "risk.decision.xǁ_Runǁ__init____mutmut_14": (
        "Equivalent: the limit price starts as 0 only so that `limit_price or None` records "
        "None for a decision refused before the price is set; None gives that same None, and "
        "price_limit sets the price before anything else reads it."
    ),
    "risk.decision.xǁ_Runǁlifted__mutmut_1[28]": (
        "Equivalent: a lifted pause's state is ACTIVE, and the decision reads a state's message "
        "only when it refuses on it (HALTED, or the global state not ACTIVE); the message the "
        "operator reads is pause_expire's, written when the engine applies PauseLifted."
    ),
    "risk.decision.xǁ_Runǁlifted__mutmut_2[1456]": (
        "Equivalent: the decision never reads a state's consecutive_losses (the loss streak is "
        "counted and reset by the services: risk_position_closed, pause_expire), so what the "
        "lifted view carries there changes nothing."
    ),
    "risk.decision.xǁ_Runǁlifted__mutmut_14": (
        "Equivalent: the decision never reads a state's consecutive_losses (the loss streak is "
        "counted and reset by the services: risk_position_closed, pause_expire), so what the "
        "lifted view carries there changes nothing."
    ),
    "risk.decision.xǁ_Runǁlifted__mutmut_22": (
        "Equivalent: the mutant zeroes the global state's equity peak too when its pause is "
        "lifted, and the decision reads only the strategy's peak (check_drawdown), never the "
        "global row's."
    ),
    "risk.decision.xǁ_Runǁbreakers_observed__mutmut_38": (
        "Equivalent: tripped() does not read its `current` argument (a trip starts a fresh "
        "view), so passing None instead changes nothing."
    ),
    "risk.decision.xǁ_Runǁsize_entry__mutmut_11": (
        "Equivalent: the mutant hands the equity to every sizing mode, and only percent_equity "
        "reads SizingInputs.equity (sizing.target_notional); the others size the same."
    ),
    "risk.decision.x__net_exposure__mutmut_5": (
        "Equivalent: _net_exposure is only called with tokens that hold shares, never none "
        "(the market's list always has the signal's own token, each event market's list the "
        "tokens found in it), so the cost sum has a Decimal term and starting it from int 0 "
        "instead of Decimal 0 gives the same value and type."
    ),
    "risk.decision.xǁ_Runǁtripped__mutmut_1[09]": (
        "Equivalent: the view of a breaker that trips now is read only by resumed_if_due and "
        "the refusal's message in the same decision; with resume_when_normal its resume_at is "
        "None and its normal_since None, so it is not due whether the flag reads True "
        "(normal_since None) or None/False (resume_at None), and the message does not show it."
    ),
    # --- risk/services.py ------------------------------------------------------------------
    "risk.services.x__state_alert__mutmut_1[58]": (
        "Equivalent: the alert's reason label falls back to '' only for a reason code that is "
        "not a ReasonCode, and every caller of trading_state_set (strategy_halt, "
        "strategy_resume, strategy_pause, pause_expire) passes a ReasonCode member, so the "
        "fallback is never taken."
    ),
    "risk.services.x__state_alert__mutmut_45": (
        "Equivalent: alert_create cuts the subject to 200 characters itself (the column's "
        "length), so a subject cut at 201 is stored the same."
    ),
    "risk.services.x_drawdown_check__mutmut_15": (
        "Equivalent: nothing reads the caller's row's equity_peak after drawdown_check sets it "
        "(the DB row is updated; drawdowns_evaluate drops the row, risk_position_closed reloads "
        "it with refresh_from_db, and strategy_pause locks and reads its own copy)."
    ),
    "risk.services.x_drawdowns_evaluate__mutmut_14": (
        "Equivalent: select_related only saves a query; the rules read through "
        "strategy.risk_rules are the same row either way."
    ),
    "risk.services.x_drawdowns_evaluate__mutmut_26": (
        "Equivalent: without the equity measured before the lock, drawdown_check measures it "
        "itself with the same strategy_equity() a moment later, under the lock; the value is "
        "the same (a fill committing in between is only seen sooner), what changes is how long "
        "the intake waits on the row."
    ),
    "risk.services.x_drawdowns_evaluate__mutmut_36": (
        "Equivalent: without the equity measured before the lock, drawdown_check measures it "
        "itself with the same strategy_equity() a moment later, under the lock; the value is "
        "the same (a fill committing in between is only seen sooner), what changes is how long "
        "the intake waits on the row."
    ),
    "risk.services.x_drawdowns_evaluate__mutmut_40": (
        "Equivalent: without the equity measured before the lock, drawdown_check measures it "
        "itself with the same strategy_equity() a moment later, under the lock; the value is "
        "the same (a fill committing in between is only seen sooner), what changes is how long "
        "the intake waits on the row."
    ),
    "risk.services.x_pause_expire__mutmut_1[05]": (
        "Equivalent: trading_state_set uses the actor only in the alert, where None, '' and "
        "'risk' all read as the risk engine: the context's actor falls back to 'risk' "
        "(`actor or 'risk'`) and the resolution note adds '(by …)' for none of them."
    ),
    # --- risk/sizing.py --------------------------------------------------------------------
    "risk.sizing.x_volatility_of__mutmut_1[17]": (
        "Equivalent: with 3 mids or more there are at least 2 Decimal changes, so the sums "
        "have Decimal terms and starting them from int 0 instead of Decimal 0 gives the same "
        "value and type."
    ),
}

DIFF_REASONS: list[tuple[str, str, str]] = []
