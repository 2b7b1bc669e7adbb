"""Strategies, their signal-signing credentials, and the FT signals they send."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ltproject.domain import Side, TradingMode
from ltproject.money import PriceField, SharesField


class HealthStatus(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    OK = "ok", "OK"
    WARNING = "warning", "Warning"
    FAILING = "failing", "Failing"


class Strategy(models.Model):
    """One FT strategy whose signals LT may trade; its rules and state sit beside it."""

    slug = models.SlugField(
        max_length=64, unique=True, help_text="Identifier FT systems send in each signal."
    )
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    ft_source = models.CharField(
        max_length=200,
        blank=True,
        help_text="The FT strategy (or copied wallet) this strategy follows, for the record.",
    )
    mode = models.CharField(
        max_length=8,
        choices=TradingMode.choices,
        default=TradingMode.OFF,
        help_text="paper: simulated fills; live: real orders (needs LIVE_TRADING and a signer "
        "key); off: every signal is rejected.",
    )
    risk_rules = models.OneToOneField(
        "risk.RiskRules",
        on_delete=models.PROTECT,
        related_name="strategy",
        help_text="The rules every signal of this strategy is checked against.",
    )
    health_status = models.CharField(
        max_length=8, choices=HealthStatus.choices, default=HealthStatus.UNKNOWN
    )
    health_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_strategies"
        ordering = ["slug"]
        verbose_name_plural = "strategies"
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=TradingMode.values), name="lt_strategies_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(health_status__in=HealthStatus.values),
                name="lt_strategies_health_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        # Live orders need a signer key; refuse the mode where this deployment has none.
        if self.mode == TradingMode.LIVE and not settings.LIVE_TRADING:
            raise ValidationError(
                {"mode": "Live mode needs LIVE_TRADING=true and a signer key on this deployment."}
            )


class ApiCredential(models.Model):
    """A key an FT system signs signals with.

    The secret is never stored: it is derived from CREDENTIALS_KEY, the key id and a random
    salt (see strategies.credentials), so the database alone cannot forge a signal.
    """

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="credentials")
    key_id = models.CharField(max_length=40, unique=True)
    salt = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "lt_api_credentials"
        ordering = ["-created_at"]
        verbose_name = "API credential"

    def __str__(self) -> str:
        return self.key_id


class Signal(models.Model):
    """An FT signal as received; its risk decision and order hang off it."""

    strategy = models.ForeignKey(
        Strategy,
        on_delete=models.PROTECT,
        related_name="signals",
        db_index=False,  # lt_signals_strategy_key_unique leads with it
    )
    credential = models.ForeignKey(
        ApiCredential, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=255)
    request_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the request body, to tell a replay from a reuse."
    )
    ft_signal_id = models.CharField(max_length=128)
    ft_created_at = models.DateTimeField()
    token_id = models.CharField(max_length=100)
    condition_id = models.CharField(max_length=66, blank=True)
    side = models.CharField(max_length=4, choices=Side.choices)
    price = PriceField(help_text="The FT reference price.")
    size = SharesField(null=True, blank=True, help_text="FT size in shares, when sent.")
    max_slippage_bps = models.PositiveIntegerField(null=True, blank=True)
    leader = models.CharField(max_length=42, blank=True, help_text="Copied wallet, if any.")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)

    class Meta:
        db_table = "lt_signals"
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "idempotency_key"], name="lt_signals_strategy_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(price__gt=0, price__lt=1), name="lt_signals_price_in_range"
            ),
            models.CheckConstraint(
                condition=Q(size__isnull=True) | Q(size__gt=0), name="lt_signals_size_positive"
            ),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="lt_signals_side_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.strategy_id}:{self.idempotency_key}"


class SignalNonce(models.Model):
    """A request signature already accepted, so that the same signed request is refused.

    Kept only while its timestamp is inside the 300 s window: an older request is refused as
    stale anyway, so `signal_nonces_prune` may delete it.
    """

    signature = models.CharField(max_length=64)
    key_id = models.CharField(max_length=40)
    request_ts = models.BigIntegerField(db_index=True, help_text="X-LT-Timestamp, unix seconds.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "lt_signal_nonces"
        # A constraint, not unique=True: that adds a LIKE index too, one more insert a signal.
        constraints = [
            models.UniqueConstraint(fields=["signature"], name="lt_signal_nonces_signature_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key_id}@{self.request_ts}"


class SignatureLockout(models.Model):
    """Bad signatures under one key from one address: counted, and refused at the limit.

    The audit of a key's failed signatures (first and last, how many, the last reason), one
    row per address however long the attack, so a flood cannot grow the table.
    """

    credential = models.ForeignKey(ApiCredential, on_delete=models.CASCADE, related_name="+")
    address = models.CharField(max_length=64)
    failures = models.PositiveIntegerField(
        default=0, help_text="Bad signatures in the current window."
    )
    first_failure_at = models.DateTimeField(help_text="Start of the current window.")
    last_failure_at = models.DateTimeField()
    last_reason = models.CharField(max_length=200, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    refused = models.PositiveIntegerField(
        default=0, help_text="Requests refused while locked out (all windows)."
    )

    class Meta:
        db_table = "lt_signature_lockouts"
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "address"], name="lt_signature_lockout_key_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.credential} from {self.address}"
