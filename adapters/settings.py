"""Every setting comes from a TASKBOARD_* environment variable; this is the only place that reads them."""

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import limits

MIN_SECRET_KEY_LENGTH = 32
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# A rate limit's value: the `limits` package's notation ("5 per 15 minutes", "20/minute"), or this.
NO_LIMIT = "off"
E = TypeVar("E", bound=StrEnum)


# The database URL that selects the in-memory adapter (data lives as long as the process).
MEMORY_URL = "memory://"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/taskboard.db"
# The URL schemes of the drivers the service runs on. Any other would fail only later, with a
# traceback about a missing driver module (`postgresql://` means psycopg2, `sqlite://` pysqlite).
DATABASE_URL_FORMS = {
    "sqlite+aiosqlite": "sqlite+aiosqlite:///PATH",
    "postgresql+asyncpg": "postgresql+asyncpg://USER:PASSWORD@HOST/DATABASE",
}
# Each setting is read from TASKBOARD_<NAME>, but for these.
_VARIABLES = {"environment": "TASKBOARD_ENV"}


def masked_url(url: str) -> str:
    """The URL with its password, if any, replaced by asterisks: fit for a log or a terminal."""
    scheme, separator, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}{separator}{user}:********@{host}"


class SettingsError(Exception):
    """The configuration is unusable; the message says which variable to fix."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    """How log lines are written: one JSON object per line for a log collector, or readable text."""

    JSON = "json"
    CONSOLE = "console"


# Connections each process keeps open to a database file or server, and how many more it may open
# for a burst (create_engine says why a fixed pool).
DEFAULT_DATABASE_POOL_SIZE = 15
DEFAULT_DATABASE_POOL_OVERFLOW = 0


class DatabasePooler(StrEnum):
    """What sits between the service and PostgreSQL: nothing, or PgBouncer in transaction pooling."""

    NONE = "none"
    PGBOUNCER = "pgbouncer"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48), repr=False)
    environment: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    token_lifetime_seconds: int = 3600
    token_issuer: str = "taskboard"  # noqa: S105 (a name, not a secret)
    token_audience: str = "taskboard-api"  # noqa: S105
    max_body_bytes: int = 64 * 1024
    statement_timeout_ms: int = 5000
    database_pool_size: int = DEFAULT_DATABASE_POOL_SIZE
    database_pool_overflow: int = DEFAULT_DATABASE_POOL_OVERFLOW
    log_level: str = "INFO"
    # JSON lines in production, readable lines elsewhere (from_environment picks by TASKBOARD_ENV).
    log_format: LogFormat = LogFormat.CONSOLE
    admin_email: str | None = None
    admin_password: str | None = field(default=None, repr=False)
    # Rate limits (None: not limited); shared by every worker through Redis when redis_url is set.
    redis_url: str | None = field(default=None, repr=False)  # it may carry a password
    sign_in_failures_per_account: str | None = "5 per 15 minutes"
    sign_ins_per_address: str | None = "20 per minute"
    writes_per_caller: str | None = "600 per minute"
    # Browser origins allowed to call the API (CORS); none means no CORS headers at all.
    cors_origins: tuple[str, ...] = ()
    database_pooler: DatabasePooler = DatabasePooler.NONE
    # When set, GET /metrics answers only a request that sends it as a bearer token.
    metrics_token: str | None = field(default=None, repr=False)
    # `taskboard serve` migrates the database to the newest revision before it serves, instead of
    # refusing to start on an older schema.
    migrate_on_start: bool = False
    # Webhooks: whether their URLs may name loopback and private addresses in production (elsewhere
    # they always may), whether each `taskboard serve` worker delivers them, and how often an idle
    # dispatcher looks for work.
    webhook_allow_private: bool = False
    webhook_in_process: bool = True
    webhook_poll_interval_ms: int = 1000

    @property
    def webhooks_may_reach_private_addresses(self) -> bool:
        return self.environment is not Environment.PRODUCTION or self.webhook_allow_private

    def __post_init__(self) -> None:
        _check_database_url(self.database_url)
        if self.admin_email and not self.admin_password:
            raise SettingsError("TASKBOARD_ADMIN_EMAIL needs TASKBOARD_ADMIN_PASSWORD")
        if self.database_pooler is not DatabasePooler.NONE and not self.database_url.startswith("postgresql"):
            raise SettingsError("TASKBOARD_DATABASE_POOLER needs a postgresql TASKBOARD_DATABASE_URL")

    def described(self) -> list[tuple[str, str]]:
        """Every setting as its variable and effective value, for `taskboard config`: secrets (the
        fields kept out of repr) masked, and so is a password in the database URL."""
        lines = []
        for setting in fields(self):
            value = getattr(self, setting.name)
            if not setting.repr:
                shown = "" if value is None else "********"
            elif setting.name == "database_url":
                shown = masked_url(value)
            elif isinstance(value, tuple):
                shown = ",".join(value)
            else:
                shown = "" if value is None else str(value)
            lines.append((_VARIABLES.get(setting.name, f"TASKBOARD_{setting.name.upper()}"), shown))
        return lines

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        environment = _choice(env, "TASKBOARD_ENV", Environment, Environment.DEVELOPMENT)
        defaults = cls()
        return cls(
            database_url=env.get("TASKBOARD_DATABASE_URL", defaults.database_url),
            secret_key=_secret_key(env, environment),
            environment=environment,
            host=env.get("TASKBOARD_HOST", defaults.host),
            port=_integer(env, "TASKBOARD_PORT", defaults.port, minimum=1, maximum=65535),
            workers=_integer(env, "TASKBOARD_WORKERS", defaults.workers, minimum=1),
            token_lifetime_seconds=_integer(
                env, "TASKBOARD_TOKEN_LIFETIME_SECONDS", defaults.token_lifetime_seconds, minimum=60
            ),
            token_issuer=env.get("TASKBOARD_TOKEN_ISSUER", defaults.token_issuer),
            token_audience=env.get("TASKBOARD_TOKEN_AUDIENCE", defaults.token_audience),
            max_body_bytes=_integer(env, "TASKBOARD_MAX_BODY_BYTES", defaults.max_body_bytes, minimum=1024),
            statement_timeout_ms=_integer(
                env, "TASKBOARD_STATEMENT_TIMEOUT_MS", defaults.statement_timeout_ms, minimum=1
            ),
            database_pool_size=_integer(
                env, "TASKBOARD_DATABASE_POOL_SIZE", defaults.database_pool_size, minimum=1
            ),
            database_pool_overflow=_integer(
                env, "TASKBOARD_DATABASE_POOL_OVERFLOW", defaults.database_pool_overflow, minimum=0
            ),
            log_level=_log_level(env, defaults.log_level),
            log_format=_choice(
                env,
                "TASKBOARD_LOG_FORMAT",
                LogFormat,
                LogFormat.JSON if environment is Environment.PRODUCTION else LogFormat.CONSOLE,
            ),
            admin_email=env.get("TASKBOARD_ADMIN_EMAIL") or None,
            admin_password=env.get("TASKBOARD_ADMIN_PASSWORD") or None,
            redis_url=env.get("TASKBOARD_REDIS_URL") or None,
            sign_in_failures_per_account=_rate_limit(
                env, "TASKBOARD_SIGN_IN_FAILURES_PER_ACCOUNT", defaults.sign_in_failures_per_account
            ),
            sign_ins_per_address=_rate_limit(
                env, "TASKBOARD_SIGN_INS_PER_ADDRESS", defaults.sign_ins_per_address
            ),
            writes_per_caller=_rate_limit(env, "TASKBOARD_WRITES_PER_CALLER", defaults.writes_per_caller),
            cors_origins=_origins(env),
            database_pooler=_choice(
                env, "TASKBOARD_DATABASE_POOLER", DatabasePooler, defaults.database_pooler
            ),
            metrics_token=env.get("TASKBOARD_METRICS_TOKEN") or None,
            migrate_on_start=_flag(env, "TASKBOARD_MIGRATE_ON_START", defaults.migrate_on_start),
            webhook_allow_private=_flag(
                env, "TASKBOARD_WEBHOOK_ALLOW_PRIVATE", defaults.webhook_allow_private
            ),
            webhook_in_process=_flag(env, "TASKBOARD_WEBHOOK_IN_PROCESS", defaults.webhook_in_process),
            webhook_poll_interval_ms=_integer(
                env, "TASKBOARD_WEBHOOK_POLL_INTERVAL_MS", defaults.webhook_poll_interval_ms, minimum=10
            ),
        )


def _check_database_url(url: str) -> None:
    # Only the scheme is quoted back: the rest of a URL can hold a password.
    if url == MEMORY_URL:
        return
    scheme = url.partition("://")[0] if "://" in url else ""
    if scheme in DATABASE_URL_FORMS:
        return
    backend = scheme.partition("+")[0].lower()
    backend = "postgresql" if backend == "postgres" else backend
    for known, form in DATABASE_URL_FORMS.items():
        if backend == known.partition("+")[0]:
            raise SettingsError(
                f"TASKBOARD_DATABASE_URL must name the driver the service uses: {form}, not {scheme}://..."
            )
    forms = f"{', '.join(DATABASE_URL_FORMS.values())} or {MEMORY_URL}"
    if not scheme:
        raise SettingsError(f"TASKBOARD_DATABASE_URL is not a database URL; use {forms}")
    raise SettingsError(f"TASKBOARD_DATABASE_URL has an unknown scheme {scheme!r}; use {forms}")


def _secret_key(env: Mapping[str, str], environment: Environment) -> str:
    key = env.get("TASKBOARD_SECRET_KEY", "")
    if key:
        if environment is Environment.PRODUCTION and len(key) < MIN_SECRET_KEY_LENGTH:
            raise SettingsError(
                f"TASKBOARD_SECRET_KEY must have at least {MIN_SECRET_KEY_LENGTH} characters in production"
            )
        return key
    if environment is Environment.PRODUCTION:
        raise SettingsError("TASKBOARD_SECRET_KEY must be set in production")
    return _local_secret_key(Path(env.get("TASKBOARD_SECRET_KEY_FILE", "var/secret_key")))


def _local_secret_key(path: Path) -> str:
    """Development convenience: a random key generated once and kept in a git-ignored file."""
    if path.exists():
        key = path.read_text().strip()
        # An empty or truncated file would sign tokens with a key anyone can guess.
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise SettingsError(
                f"TASKBOARD_SECRET_KEY_FILE {path} holds fewer than {MIN_SECRET_KEY_LENGTH} characters; "
                "delete it to have a new key generated"
            )
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    return key


def _integer(
    env: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int | None = None
) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if maximum is None and value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}")
    if maximum is not None and not minimum <= value <= maximum:
        raise SettingsError(f"{name} must be between {minimum} and {maximum}, not {value}")
    return value


def _log_level(env: Mapping[str, str], default: str) -> str:
    # Checked here: logging and uvicorn would otherwise fail later with a traceback.
    level = env.get("TASKBOARD_LOG_LEVEL", default).upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"TASKBOARD_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    return level


def _rate_limit(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.strip().lower() == NO_LIMIT:
        return None
    try:
        allowed = limits.parse(raw).amount
    except ValueError:
        allowed = 0
    if allowed < 1:
        raise SettingsError(
            f"{name} must read like '5 per 15 minutes' or '20/minute', or be {NO_LIMIT!r}; not {raw!r}"
        )
    return raw


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def _origins(env: Mapping[str, str]) -> tuple[str, ...]:
    """Comma-separated origins as browsers send them (`https://app.example.com`, no path), or `*`."""
    origins = tuple(part.strip() for part in env.get("TASKBOARD_CORS_ORIGINS", "").split(",") if part.strip())
    for origin in origins:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise SettingsError(
                f"TASKBOARD_CORS_ORIGINS: {origin!r} is not an origin such as https://app.example.com"
            )
    return origins


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise SettingsError(f"{name} must be true or false, not {env[name]!r}")


def _choice(env: Mapping[str, str], name: str, enum: type[E], default: E) -> E:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        return enum(raw.lower())
    except ValueError:
        raise SettingsError(f"{name} must be one of {', '.join(enum)}") from None
