"""LT settings, read from the environment through one django-environ object.

Every value has an embedded default that suits the local demo (`make run`), except the
secrets: with DEBUG off a missing SECRET_KEY is fatal, and so is live trading without the
signer key. Secrets may come from `NAME` or from a file named by `NAME_FILE` (Docker/K8s
secrets); they are never written to the database.
"""

from __future__ import annotations

import os
import zoneinfo
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

from ltproject.devkeys import is_loopback, is_public_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.FileAwareEnv()

DEBUG: bool = env.bool("DEBUG", default=False)

# Only a development deployment may run on a well-known key; production must bring its own.
_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"
# `make run` keeps its key in var/secret_key: a command run beside it on the embedded defaults
# (no DATABASE_URL: the same SQLite file) uses the same key, so `manage.py lt_status` works
# as the README writes it. A deployment names its database, and then its key too.
_LOCAL_KEY_FILE = VAR_DIR / "secret_key"
_LOCAL_KEY = (  # as read through SECRET_KEY_FILE (newline and all): the same key exactly
    _LOCAL_KEY_FILE.read_text()
    if not {"DATABASE_URL", "DATABASE_URL_FILE"} & set(os.environ) and _LOCAL_KEY_FILE.is_file()
    else ""
)
if DEBUG:
    SECRET_KEY: str = env.str("SECRET_KEY", default=_LOCAL_KEY or _DEV_SECRET_KEY)
else:
    SECRET_KEY = env.str("SECRET_KEY", default=_LOCAL_KEY)
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off")

ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "django_q",
    "strategies",
    "risk",
    "execution",
    "redemption",
    "monitoring",
    "sandbox",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A view that lost the database answers 503 with Retry-After, in JSON.
    "ltproject.unavailable.DatabaseUnavailableMiddleware",
    # Static files from the application server itself (gunicorn too), compressed and cached.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "monitoring.dashboard.middleware.OperatorTimeZoneMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

# Logins (admin and dashboard) are counted by django-axes: LOGIN_FAILURE_LIMIT wrong
# passwords for one user from one address lock that pair out for LOGIN_LOCKOUT_MINUTES,
# with an alert (monitoring.lockouts). A right password resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT: int = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "ltproject.clientip.client_address"
# Reverse proxies in front of LT that append the client's address to X-Forwarded-For (0: the
# connection's own address is the client's, and the header is ignored). See the README.
TRUSTED_PROXY_COUNT: int = env.int("TRUSTED_PROXY_COUNT", default=0)

ROOT_URLCONF = "ltproject.urls"
WSGI_APPLICATION = "ltproject.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database(url: str) -> dict[str, Any]:
    config: dict[str, Any] = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue on `timeout`
        # instead of failing with "database is locked" halfway through a transaction.
        config.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    else:
        config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
        # A database that does not answer is an error in seconds (a 503, a failed job that
        # is retried), not a request hanging until gunicorn kills its worker. The statement
        # timeout is sent as a startup option: 0 leaves it to the server (e.g. behind a
        # pooler that refuses startup options; set it on the database role instead).
        options = config.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5))
        if statement_ms := env.int("DB_STATEMENT_TIMEOUT_MS", default=30_000):
            options.setdefault("options", f"-c statement_timeout={statement_ms}")
    return config


DATABASE_URL: str = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lt.sqlite3'}")
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The signal intake prepares its statements once per (persistent) PostgreSQL connection
# (risk.selectors). Turn off behind a pooler in transaction mode (e.g. PgBouncer), which
# hands each transaction a session that may not have them.
LT_PREPARED_STATEMENTS: bool = env.bool("LT_PREPARED_STATEMENTS", default=True)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
# The dashboard's own CSS and JS, and the npm packages it uses (installed by `npm ci`,
# pinned in package-lock.json): served from LT itself, never from a CDN.
_NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", _NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/uplot", _NODE_MODULES / "uplot" / "dist"),
]
STORAGES: dict[str, Any] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without `collectstatic` (the demo, tests), serve straight from the folders above.
WHITENOISE_USE_FINDERS: bool = env.bool("WHITENOISE_USE_FINDERS", default=True)

# The dashboard (staff login); times shown in the operator's time zone.
LOGIN_URL = "dashboard:login"
LOGIN_REDIRECT_URL = "dashboard:overview"
LOGOUT_REDIRECT_URL = "dashboard:login"
OPERATOR_TIME_ZONE: str = env.str("OPERATOR_TIME_ZONE", default="UTC")
try:
    zoneinfo.ZoneInfo(OPERATOR_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as _error:
    raise ImproperlyConfigured(
        f"OPERATOR_TIME_ZONE {OPERATOR_TIME_ZONE!r} is not a time zone"
    ) from (_error)

# Content-Security-Policy: scripts, styles, images and requests from LT only. Inline styles
# stay allowed for the admin's own templates; no inline script anywhere.
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- security (production values; `check --deploy` must pass with DEBUG off) -------------
# Only behind a reverse proxy that sets X-Forwarded-Proto itself (and strips any a client
# sent): trusted by default, the header lets any client claim HTTPS. See the README.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT: bool = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- email and alerts ----------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# An SMTP server that accepts the connection and then hangs must not hold a worker for ever.
EMAIL_TIMEOUT: int = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="lt@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ALERT_EMAILS: list[str] = env.list("ALERT_EMAILS", default=[])
ALERT_SUBJECT_PREFIX: str = env.str("ALERT_SUBJECT_PREFIX", default="[LT]")
# Warnings raised within this many seconds of each other go out in one message; critical
# alerts go at once, info only in the digest (every ALERT_DIGEST_MINUTES).
ALERT_BATCH_SECONDS: int = env.int("ALERT_BATCH_SECONDS", default=10)
ALERT_DIGEST_MINUTES: int = env.int("ALERT_DIGEST_MINUTES", default=1440)
# A repeat of an open alert (same dedupe key) is counted, and mailed again only once this
# long has passed since its last mail.
ALERT_RENOTIFY_MINUTES: int = env.int("ALERT_RENOTIFY_MINUTES", default=60)
# A failed send is retried after ALERT_RETRY_SECONDS, doubling up to ALERT_RETRY_MAX_SECONDS.
ALERT_RETRY_SECONDS: int = env.int("ALERT_RETRY_SECONDS", default=10)
ALERT_RETRY_MAX_SECONDS: int = env.int("ALERT_RETRY_MAX_SECONDS", default=120)
# Where operators reach LT: the links in alert mails start with it.
LT_BASE_URL: str = env.str("LT_BASE_URL", default="http://127.0.0.1:8000")

# --- health checks (every 5 minutes; README lists each check and threshold) -------------
# HEALTH_THRESHOLDS='{"venue_p99_ms": 3000}' overrides single values.
_HEALTH_DEFAULTS: dict[str, Any] = {
    "venue_window_minutes": 5,  # the window of the venue's latency and error figures
    "venue_p99_ms": 2000,  # request latency p99 over this: warning
    "venue_min_calls": 20,  # fewer calls in the window: no error rate judged
    "venue_error_rate": 0.05,  # share of calls failing: warning over this...
    "venue_error_rate_failing": 0.5,  # ...failing over this
    "venue_rejection_rate": 0.2,  # share of orders the venue refused: warning
    "venue_heartbeat_age_s": 120,  # live orders rest and no heartbeat this long: warning
    "stream_stale_s": 30,  # the stream's status row older than this: not connected
    "stream_lag_ms": 2000,  # newest message older than this when handled: warning
    "chain_head_age_s": 120,  # latest block older than this: the node stalled (failing)
    "chain_timeout_s": 5,
    "wallet_reconcile_age_s": 300,  # last clean reconciliation older: warning (entries wait)
    "wallet_reconcile_failing_s": 1800,  # ...failing
    "orders_unsent_s": 30,  # live intent not sent this long after acceptance: warning
    "orders_unsent_failing_s": 300,  # ...failing
    "orders_unconfirmed_minutes": 10,  # trade matched but not confirmed on-chain: warning
    "orders_past_ttl_s": 120,  # resting order this long past its expiry: warning
    "redemption_overdue_minutes": 60,  # winner unredeemed after resolution: warning
    "redemption_success_rate": 0.95,  # over the last 7 days, under it: warning
    "redemption_stuck_minutes": 15,  # a transaction pending this long: warning
    "risk_budget_use": 0.8,  # share of a budget window used: warning
    "risk_drawdown_share": 0.8,  # drawdown at this share of the limit: warning
    "jobs_queue_depth": 100,  # tasks waiting: warning
    "jobs_schedule_late_minutes": 10,  # a schedule this late: warning...
    "jobs_schedule_failing_minutes": 30,  # ...failing (is the q-cluster running?)
    "alerts_undelivered_minutes": 2,  # an alert mail this late: failing (mail outage)
    "history_days": 30,  # five-minute rows kept this long, then rolled up per day
}
HEALTH_THRESHOLDS: dict[str, Any] = {
    **_HEALTH_DEFAULTS,
    **env.json("HEALTH_THRESHOLDS", default={}),
}
if unknown_thresholds := set(HEALTH_THRESHOLDS) - set(_HEALTH_DEFAULTS):
    raise ImproperlyConfigured(
        f"HEALTH_THRESHOLDS: unknown key(s) {', '.join(sorted(unknown_thresholds))}"
    )

# Global circuit breakers (all strategies), fed by the venue probe every minute and by the
# executor's sends: latency (ms) and share of venue calls failing (0–1).
GLOBAL_BREAKERS: dict[str, Any] = {
    "max_latency_ms": 5000,
    "max_error_rate": "0.5",
    "resume_after_minutes": 5,
    "resume_when_normal": True,
    **env.json("GLOBAL_BREAKERS", default={}),
}

# Venue call metrics (execution.venue.metrics) are written every this many seconds by each
# process; 0 = only when a health check asks.
LT_VENUE_METRICS_FLUSH_SECONDS: float = env.float("LT_VENUE_METRICS_FLUSH_SECONDS", default=15)

# --- venue (Polymarket CLOB, or the sandbox venue on loopback) -------------------------
CLOB_HOST: str = env.str("CLOB_HOST", default="http://127.0.0.1:8765")
CHAIN_ID: int = env.int("CHAIN_ID", default=137)
# 0 EOA, 1 POLY_PROXY, 2 POLY_GNOSIS_SAFE, 3 POLY_1271 (deposit wallet).
SIGNATURE_TYPE: int = env.int("SIGNATURE_TYPE", default=0)
if SIGNATURE_TYPE not in (0, 1, 2, 3):
    raise ImproperlyConfigured(f"SIGNATURE_TYPE must be 0, 1, 2 or 3, got {SIGNATURE_TYPE}")
FUNDER_ADDRESS: str = env.str("FUNDER_ADDRESS", default="")
SIGNER_PRIVATE_KEY: str = env.str("SIGNER_PRIVATE_KEY", default="")
CHAIN_RPC_URL: str = env.str("CHAIN_RPC_URL", default="http://127.0.0.1:8545")
# Gamma market metadata (resolution hints); empty = the sandbox's `CLOB_HOST/gamma`.
GAMMA_HOST: str = env.str("GAMMA_HOST", default="")
# The venue's WebSocket channels (`/ws/market`, `/ws/user` below it); empty = Polymarket's for
# an https CLOB_HOST, the sandbox's own port (ws://) for a plain-http one.
CLOB_WS_HOST: str = env.str("CLOB_WS_HOST", default="") or (
    "wss://ws-subscriptions-clob.polymarket.com"
    if CLOB_HOST.startswith("https://")
    else "ws://" + CLOB_HOST.removeprefix("http://").rstrip("/")
)

# --- redemption (on-chain, EOA wallets; see redemption/chain.py) -------------------------
# Contract addresses as JSON; the default is Polygon mainnet (reference/polymarket.md §5).
# The sandbox chain deploys its own and hands its addresses over in the same shape.
CHAIN_CONTRACTS: dict[str, str] = env.json(
    "CHAIN_CONTRACTS",
    default={
        "ctf": "0x4D97DCd97eC945f40cF65F87097ACe5EA0476045",
        "pusd": "0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB",
        "legacy_collateral": "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174",
        "collateral_adapter": "0xAdA100Db00Ca00073811820692005400218FcE1f",
        "neg_risk_adapter": "0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296",
        # NegRiskAdapter unwraps to its own collateral (USDC.e on Polygon): check on a fork.
        "neg_risk_payout_token": "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174",
        # Wallet factories: docs.polymarket.com/resources/contract-addresses ("Wallet Factory
        # Contracts"). The proxy wallets' GSN relay hub and both wallets' init code hashes:
        # Polymarket's builder-relayer-client (src/config/index.ts, src/constants/index.ts).
        "proxy_factory": "0xaB45c5A4B0c941a2F231C04C3f49182e1A254052",
        "proxy_relay_hub": "0xD216153c06E857cD7f72665E0aF1d7D82172F494",
        "proxy_init_code_hash": (
            "0xd21df8dc65880a8606f09fe0ce3df9b8869287ab0b058be05aa9e8af6330a00b"
        ),
        "safe_factory": "0xaacFeEa03eb1561C4e67d661e40682Bd20E3541b",
        "safe_init_code_hash": (
            "0x2bce2127ff07fb632d16c8347c4ebf501f4841168bed00d9e6ef715ddb6fcecf"
        ),
        # Polymarket's py-builder-relayer-client (py_builder_relayer_client/config.py, 137).
        "deposit_wallet_factory": "0x00000000000Fb5C9ADea0298D729A0CB3823Cc07",
    },
)
# Blocks on top of the receipt's before a redeem is booked (Polygon: see reliability.md §4).
REDEMPTION_CONFIRMATIONS: int = env.int("REDEMPTION_CONFIRMATIONS", default=32)
REDEMPTION_RECEIPT_TIMEOUT: float = env.float("REDEMPTION_RECEIPT_TIMEOUT", default=8.0)
REDEMPTION_STUCK_AFTER_SECONDS: int = env.int("REDEMPTION_STUCK_AFTER_SECONDS", default=180)
REDEMPTION_MAX_ATTEMPTS: int = env.int("REDEMPTION_MAX_ATTEMPTS", default=5)
REDEMPTION_ALERT_AFTER_MINUTES: int = env.int("REDEMPTION_ALERT_AFTER_MINUTES", default=60)
REDEMPTION_PRIORITY_FEE_GWEI: int = env.int("REDEMPTION_PRIORITY_FEE_GWEI", default=30)
# The most a new redeem offers per gas; over it the redeem waits (the health check shows it).
REDEMPTION_MAX_FEE_GWEI = Decimal(env.str("REDEMPTION_MAX_FEE_GWEI", default="1000"))
# Merging YES and NO back into pUSD (per strategy, `merge_positions` in its rules): at least
# this many shares per merge, so gas is not spent on dust.
REDEMPTION_MERGE_MIN_SHARES = Decimal(env.str("REDEMPTION_MERGE_MIN_SHARES", default="1"))

# --- the relayer (Safe, proxy and deposit wallets: SIGNATURE_TYPE 1, 2, 3) -----------------
# The owner EOA signs wallet calls; the relayer executes them. The sandbox serves one at
# `CLOB_HOST/relayer`; Polygon's is https://relayer-v2.polymarket.com with a per-account
# relayer API key (polymarket.com → Settings → API Keys).
RELAYER_URL: str = env.str("RELAYER_URL", default="")
RELAYER_API_KEY: str = env.str("RELAYER_API_KEY", default="")
# The account the key belongs to; empty = the signer's address.
RELAYER_API_KEY_ADDRESS: str = env.str("RELAYER_API_KEY_ADDRESS", default="")
# How long a deposit-wallet batch signature stays valid.
RELAYER_BATCH_DEADLINE_SECONDS: int = env.int("RELAYER_BATCH_DEADLINE_SECONDS", default=240)
if SIGNATURE_TYPE != 0 and not FUNDER_ADDRESS:
    raise ImproperlyConfigured(
        f"SIGNATURE_TYPE {SIGNATURE_TYPE} trades from a wallet: set FUNDER_ADDRESS to its address"
    )

# Live trading signs real orders; starting it without a signer key must fail at once rather
# than at the first accepted signal.
LIVE_TRADING: bool = env.bool("LIVE_TRADING", default=False)
if LIVE_TRADING and not SIGNER_PRIVATE_KEY:
    raise ImproperlyConfigured(
        "LIVE_TRADING is on but SIGNER_PRIVATE_KEY (or SIGNER_PRIVATE_KEY_FILE) is not set"
    )
# A public development key signs only for the sandbox; the sandbox venue (on loopback) trades
# only beside the sandbox's chain, or its made-up fills would be redeemed with a real key.
if LIVE_TRADING and is_public_key(SIGNER_PRIVATE_KEY) and not is_loopback(CLOB_HOST):
    raise ImproperlyConfigured(
        f"SIGNER_PRIVATE_KEY is a public development key (anvil's): anyone can spend from it, "
        f"so it trades only against the sandbox venue on loopback, not {CLOB_HOST}"
    )
if LIVE_TRADING and is_loopback(CLOB_HOST) and not is_loopback(CHAIN_RPC_URL):
    raise ImproperlyConfigured(
        f"CLOB_HOST {CLOB_HOST} is a loopback (sandbox) venue but CHAIN_RPC_URL "
        f"{CHAIN_RPC_URL} is not the sandbox's chain: point both at the sandbox or both at "
        "Polymarket and Polygon"
    )

# Bad signatures under one signal key from one address: this many within the window lock the
# pair out (429, an alert) for LOCKOUT_MINUTES; see strategies.lockouts.
SIGNAL_KEY_FAILURE_LIMIT: int = env.int("SIGNAL_KEY_FAILURE_LIMIT", default=20)
SIGNAL_KEY_FAILURE_WINDOW_MINUTES: int = env.int("SIGNAL_KEY_FAILURE_WINDOW_MINUTES", default=10)
SIGNAL_KEY_LOCKOUT_MINUTES: int = env.int("SIGNAL_KEY_LOCKOUT_MINUTES", default=15)

# Key from which signal-signing secrets are derived (see strategies.credentials). Rotating it
# invalidates every issued signal credential, so it is separate from SECRET_KEY when set.
CREDENTIALS_KEY: str = env.str("CREDENTIALS_KEY", default=SECRET_KEY)

# --- executor ---------------------------------------------------------------------------
# Accepted intents start sending right after their transaction commits, in the thread that
# committed them: the POST leaves milliseconds after the decision instead of queueing behind
# the next request for the GIL (INLINE=false: a small thread pool instead). The sweep job
# sends anything a dead process left behind.
LT_EXECUTOR_AUTOSTART: bool = env.bool("LT_EXECUTOR_AUTOSTART", default=True)
LT_EXECUTOR_INLINE: bool = env.bool("LT_EXECUTOR_INLINE", default=True)

# --- jobs (django-q2) -----------------------------------------------------------------
# ORM broker on the default database: at-least-once delivery, so every task is idempotent.
# `timeout` < `retry` so a slow task is killed before it is handed to a second worker;
# `catch_up` off so a trading tick missed during downtime runs once, not once per slot.
Q_CLUSTER: dict[str, Any] = {
    "name": "lt",
    "orm": "default",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 60,
    "retry": 150,
    "max_attempts": 3,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "poll": 0.5,
    "sync": False,
    "label": "Jobs",
}

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Guards against a runaway sender, not an attacker (DRF throttles are per process and
    # racy); budgets are enforced in PostgreSQL.
    "DEFAULT_THROTTLE_RATES": {"signals": env.str("SIGNAL_THROTTLE_RATE", default="600/s")},
}
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "LT — Polymarket live trading API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # A slug in a path is what Django's `slug` converter matches; anything else is a 404
    # before the API sees it, so the schema says so.
    "PATH_CONVERTER_OVERRIDES": {"slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}},
}

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # The same warning or error (by its template) at most once per 10 s per process, with a
    # count of the ones held back: an outage must not bury the log under identical lines.
    "filters": {"repeats": {"()": "ltproject.unavailable.RepeatedRecordFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["repeats"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # py-clob-client logs whole error bodies; keep it at WARNING.
    "loggers": {
        "py_clob_client_v2": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},  # one INFO line per venue request otherwise
        # Django's own console handler (DEBUG only) printed each request warning a second
        # time, bare, beside the root's line; the root's handler alone prints it now.
        "django": {"handlers": [], "propagate": True},
        # runserver's access log: one INFO line per request and static file; 4xx are
        # WARNING and 5xx ERROR, so a quieter level still shows what went wrong. It needs
        # its handler named here: configuring a logger drops the one Django gave it.
        "django.server": {
            "handlers": ["console"],
            "level": env.str("LOG_LEVEL_REQUESTS", default=env.str("LOG_LEVEL", default="INFO")),
            "propagate": False,
        },
        # django-axes logs every failed login at INFO (its audit rows keep them); lockouts are
        # WARNING, and raise an alert.
        "axes": {"level": env.str("LOG_LEVEL_LOGINS", default="WARNING")},
        # django-q logs "Enqueued", "processing" and "Processed" per task at INFO (even in
        # `lt_halt`, which queues an alert's mail); the admin's task pages record each one,
        # and failures are ERROR. `make run` sets both levels to WARNING for its children.
        "django-q": {
            "handlers": ["console"],
            "level": env.str("LOG_LEVEL_JOBS", default="WARNING"),
            "propagate": False,
        },
    },
}

# --- retention (monitoring.retention; the README's "Retention" lists what each age covers) ---
# Detail rows older than their age are pruned, or rolled up into daily rows, by a scheduled
# job in bounded batches. Ages are "<n>d", "<n>h" or "<n>m"; LT_RETENTION='{"mid_prices":
# "3d"}' overrides single ones. Whatever money touched (accepted signals, orders, fills,
# positions, budgets, redemptions) is never pruned.
_RETENTION_DEFAULTS: dict[str, str] = {
    "rejected_signals": "7d",  # with their risk decisions; daily counts in lt_signals_daily
    "mid_prices": "7d",  # daily open/high/low/close in lt_mid_prices_daily
    "health_checks": f"{HEALTH_THRESHOLDS['history_days']}d",  # daily rows in lt_health_daily
    "reconcile_runs": f"{HEALTH_THRESHOLDS['history_days']}d",
    "venue_calls": "2d",  # per-minute call counts (the health checks read 5 minutes)
    "failed_jobs": "30d",  # django-q2 keeps every failed task; successes are capped already
    "expired_sessions": "0m",  # dashboard logins past their expiry
}
_RETENTION_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def _retention_age(name: str, text: Any) -> timedelta:
    number, unit = str(text)[:-1], str(text)[-1:]
    if name not in _RETENTION_DEFAULTS:
        raise ImproperlyConfigured(f"LT_RETENTION: unknown key {name!r}")
    if unit not in _RETENTION_UNITS or not number.isdigit():
        raise ImproperlyConfigured(
            f"LT_RETENTION: {name} must be a whole number of days, hours or minutes "
            f'("7d", "36h", "90m"), not {text!r}'
        )
    return timedelta(**{_RETENTION_UNITS[unit]: int(number)})


LT_RETENTION: dict[str, timedelta] = {
    name: _retention_age(name, text)
    for name, text in {**_RETENTION_DEFAULTS, **env.json("LT_RETENTION", default={})}.items()
}
# Rows per transaction: each batch locks only its own rows (SKIP LOCKED) and commits.
LT_RETENTION_BATCH: int = env.int("LT_RETENTION_BATCH", default=2000)
