"""Settings come from TASKBOARD_* variables, with safe defaults and clear refusals."""

import stat
from pathlib import Path

import pytest

from adapters.settings import (
    MIN_SECRET_KEY_LENGTH,
    DatabasePooler,
    Environment,
    LogFormat,
    Settings,
    SettingsError,
)

STRONG_KEY = ("correct-horse-battery-staple-" * 2)[:MIN_SECRET_KEY_LENGTH]


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "var" / "secret_key"


def test_defaults_serve_a_local_sqlite_database_in_development(key_file: Path) -> None:
    settings = Settings.from_environment({"TASKBOARD_SECRET_KEY_FILE": str(key_file)})

    assert settings.database_url == "sqlite+aiosqlite:///./var/taskboard.db"
    assert settings.environment is Environment.DEVELOPMENT
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.token_lifetime_seconds == 3600
    assert settings.token_issuer == "taskboard"
    assert settings.token_audience == "taskboard-api"
    assert settings.max_body_bytes == 64 * 1024
    assert settings.statement_timeout_ms == 5000
    assert settings.database_pool_size == 15
    assert settings.database_pool_overflow == 0
    assert settings.log_level == "INFO"


def test_every_setting_is_read_from_its_variable() -> None:
    settings = Settings.from_environment(
        {
            "TASKBOARD_DATABASE_URL": "postgresql+asyncpg://taskboard@db.internal/taskboard",
            "TASKBOARD_SECRET_KEY": STRONG_KEY,
            "TASKBOARD_ENV": "Production",
            "TASKBOARD_HOST": "0.0.0.0",  # noqa: S104 (a value under test, nothing binds to it)
            "TASKBOARD_PORT": "9090",
            "TASKBOARD_TOKEN_LIFETIME_SECONDS": "600",
            "TASKBOARD_TOKEN_ISSUER": "https://auth.example.com",
            "TASKBOARD_TOKEN_AUDIENCE": "example-api",
            "TASKBOARD_MAX_BODY_BYTES": "2048",
            "TASKBOARD_STATEMENT_TIMEOUT_MS": "1500",
            "TASKBOARD_DATABASE_POOL_SIZE": "40",
            "TASKBOARD_DATABASE_POOL_OVERFLOW": "5",
            "TASKBOARD_LOG_LEVEL": "debug",
            "TASKBOARD_LOG_FORMAT": "Console",
            "TASKBOARD_METRICS_TOKEN": "scrape-me",
        }
    )

    assert settings == Settings(
        database_url="postgresql+asyncpg://taskboard@db.internal/taskboard",
        secret_key=STRONG_KEY,
        environment=Environment.PRODUCTION,
        host="0.0.0.0",  # noqa: S104
        port=9090,
        token_lifetime_seconds=600,
        token_issuer="https://auth.example.com",
        token_audience="example-api",
        max_body_bytes=2048,
        statement_timeout_ms=1500,
        database_pool_size=40,
        database_pool_overflow=5,
        log_level="DEBUG",
        log_format=LogFormat.CONSOLE,
        metrics_token="scrape-me",
    )


@pytest.mark.parametrize(
    "name",
    [
        "TASKBOARD_PORT",
        "TASKBOARD_TOKEN_LIFETIME_SECONDS",
        "TASKBOARD_MAX_BODY_BYTES",
        "TASKBOARD_STATEMENT_TIMEOUT_MS",
        "TASKBOARD_DATABASE_POOL_SIZE",
        "TASKBOARD_DATABASE_POOL_OVERFLOW",
    ],
)
@pytest.mark.parametrize("value", ["eight", "", "3.5"])
def test_a_setting_that_is_not_a_whole_number_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_environment({"TASKBOARD_SECRET_KEY": STRONG_KEY, name: value})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TASKBOARD_PORT", "0"),
        ("TASKBOARD_PORT", "65536"),
        ("TASKBOARD_TOKEN_LIFETIME_SECONDS", "59"),
        ("TASKBOARD_MAX_BODY_BYTES", "1023"),
        ("TASKBOARD_STATEMENT_TIMEOUT_MS", "0"),
        ("TASKBOARD_DATABASE_POOL_SIZE", "0"),
        ("TASKBOARD_DATABASE_POOL_OVERFLOW", "-1"),
    ],
)
def test_a_number_out_of_range_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_environment({"TASKBOARD_SECRET_KEY": STRONG_KEY, name: value})


@pytest.mark.parametrize(
    ("name", "value"),
    [("TASKBOARD_ENV", "staging"), ("TASKBOARD_LOG_LEVEL", "verbose"), ("TASKBOARD_LOG_FORMAT", "xml")],
)
def test_an_unknown_choice_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_environment({"TASKBOARD_SECRET_KEY": STRONG_KEY, name: value})


def test_production_refuses_to_start_without_a_secret_key(key_file: Path) -> None:
    with pytest.raises(SettingsError, match="TASKBOARD_SECRET_KEY must be set"):
        Settings.from_environment({"TASKBOARD_ENV": "production", "TASKBOARD_SECRET_KEY_FILE": str(key_file)})
    assert not key_file.exists()


def test_production_refuses_a_short_secret_key() -> None:
    with pytest.raises(SettingsError, match="TASKBOARD_SECRET_KEY must have at least"):
        Settings.from_environment({"TASKBOARD_ENV": "production", "TASKBOARD_SECRET_KEY": STRONG_KEY[1:]})


def test_production_accepts_a_key_of_the_minimum_length() -> None:
    settings = Settings.from_environment({"TASKBOARD_ENV": "production", "TASKBOARD_SECRET_KEY": STRONG_KEY})

    assert settings.secret_key == STRONG_KEY


def test_development_without_a_key_generates_one_into_a_private_file(key_file: Path) -> None:
    settings = Settings.from_environment({"TASKBOARD_SECRET_KEY_FILE": str(key_file)})

    assert len(settings.secret_key) >= MIN_SECRET_KEY_LENGTH
    assert key_file.read_text() == settings.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_development_reuses_the_generated_key_on_the_next_start(key_file: Path) -> None:
    first = Settings.from_environment({"TASKBOARD_SECRET_KEY_FILE": str(key_file)})
    second = Settings.from_environment({"TASKBOARD_SECRET_KEY_FILE": str(key_file)})

    assert second.secret_key == first.secret_key


def test_development_refuses_a_key_file_too_short_to_be_a_key(key_file: Path) -> None:
    key_file.parent.mkdir(parents=True)
    key_file.write_text("\n")

    with pytest.raises(SettingsError, match="TASKBOARD_SECRET_KEY_FILE"):
        Settings.from_environment({"TASKBOARD_SECRET_KEY_FILE": str(key_file)})


def test_a_key_given_in_the_environment_wins_over_the_file(key_file: Path) -> None:
    settings = Settings.from_environment(
        {"TASKBOARD_SECRET_KEY": STRONG_KEY, "TASKBOARD_SECRET_KEY_FILE": str(key_file)}
    )

    assert settings.secret_key == STRONG_KEY
    assert not key_file.exists()


@pytest.mark.parametrize("given", [True, False], ids=["from-environment", "generated"])
def test_the_secret_key_never_appears_in_the_settings_repr(key_file: Path, given: bool) -> None:
    env = {"TASKBOARD_SECRET_KEY_FILE": str(key_file), "TASKBOARD_METRICS_TOKEN": "scrape-me"}
    if given:
        env["TASKBOARD_SECRET_KEY"] = STRONG_KEY
    settings = Settings.from_environment(env)

    for secret in (settings.secret_key, "scrape-me"):
        assert secret not in repr(settings)
        assert secret not in str(settings)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [("production", LogFormat.JSON), ("development", LogFormat.CONSOLE), ("test", LogFormat.CONSOLE)],
)
def test_logs_are_json_lines_in_production_and_readable_lines_elsewhere_unless_told(
    environment: str, expected: LogFormat
) -> None:
    env = {"TASKBOARD_ENV": environment, "TASKBOARD_SECRET_KEY": STRONG_KEY}

    assert Settings.from_environment(env).log_format is expected
    assert Settings.from_environment(env | {"TASKBOARD_LOG_FORMAT": "json"}).log_format is LogFormat.JSON
    assert (
        Settings.from_environment(env | {"TASKBOARD_LOG_FORMAT": "console"}).log_format is LogFormat.CONSOLE
    )


def test_the_metrics_are_open_unless_a_token_is_set(key_file: Path) -> None:
    env = {"TASKBOARD_SECRET_KEY_FILE": str(key_file)}

    assert Settings.from_environment(env).metrics_token is None
    assert Settings.from_environment(env | {"TASKBOARD_METRICS_TOKEN": ""}).metrics_token is None
    assert Settings.from_environment(env | {"TASKBOARD_METRICS_TOKEN": "s3"}).metrics_token == "s3"


def test_rate_limits_default_to_the_documented_ones_counted_in_process(key_file: Path) -> None:
    settings = Settings.from_environment({"TASKBOARD_SECRET_KEY_FILE": str(key_file)})

    assert settings.redis_url is None
    assert settings.sign_in_failures_per_account == "5 per 15 minutes"
    assert settings.sign_ins_per_address == "20 per minute"
    assert settings.writes_per_caller == "600 per minute"


def test_rate_limits_and_redis_are_read_from_their_variables_and_off_lifts_a_limit() -> None:
    settings = Settings.from_environment(
        {
            "TASKBOARD_SECRET_KEY": STRONG_KEY,
            "TASKBOARD_REDIS_URL": "redis://:hunter2@cache.internal:6379/3",
            "TASKBOARD_SIGN_IN_FAILURES_PER_ACCOUNT": "10 per hour",
            "TASKBOARD_SIGN_INS_PER_ADDRESS": "Off",
            "TASKBOARD_WRITES_PER_CALLER": "100/second",
        }
    )

    assert settings.redis_url == "redis://:hunter2@cache.internal:6379/3"
    assert "hunter2" not in repr(settings)
    assert settings.sign_in_failures_per_account == "10 per hour"
    assert settings.sign_ins_per_address is None
    assert settings.writes_per_caller == "100/second"


@pytest.mark.parametrize(
    "name",
    [
        "TASKBOARD_SIGN_IN_FAILURES_PER_ACCOUNT",
        "TASKBOARD_SIGN_INS_PER_ADDRESS",
        "TASKBOARD_WRITES_PER_CALLER",
    ],
)
@pytest.mark.parametrize("value", ["5", "many per minute", "0 per minute", ""])
def test_a_rate_limit_that_does_not_read_as_one_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_environment({"TASKBOARD_SECRET_KEY": STRONG_KEY, name: value})


def test_cors_origins_are_read_as_a_comma_separated_list() -> None:
    env = {"TASKBOARD_CORS_ORIGINS": "https://board.example.com, http://localhost:5173,"}

    assert Settings.from_environment(env).cors_origins == (
        "https://board.example.com",
        "http://localhost:5173",
    )
    assert Settings.from_environment({}).cors_origins == ()


@pytest.mark.parametrize("origin", ["board.example.com", "https://board.example.com/", "ftp://files"])
def test_a_cors_origin_that_browsers_would_never_send_is_refused(origin: str) -> None:
    with pytest.raises(SettingsError, match="TASKBOARD_CORS_ORIGINS"):
        Settings.from_environment({"TASKBOARD_CORS_ORIGINS": origin})


def test_the_database_pooler_is_none_unless_pgbouncer_is_named() -> None:
    url = {"TASKBOARD_SECRET_KEY": STRONG_KEY, "TASKBOARD_DATABASE_URL": "postgresql+asyncpg://db/taskboard"}

    assert Settings.from_environment(url).database_pooler is DatabasePooler.NONE
    behind = Settings.from_environment(url | {"TASKBOARD_DATABASE_POOLER": "PgBouncer"})
    assert behind.database_pooler is DatabasePooler.PGBOUNCER
    with pytest.raises(SettingsError, match="TASKBOARD_DATABASE_POOLER must be one of none, pgbouncer"):
        Settings.from_environment(url | {"TASKBOARD_DATABASE_POOLER": "pgpool"})


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///./var/taskboard.db", "memory://"])
def test_a_pooler_in_front_of_a_database_that_is_not_postgresql_is_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="TASKBOARD_DATABASE_POOLER needs a postgresql"):
        Settings.from_environment(
            {
                "TASKBOARD_SECRET_KEY": STRONG_KEY,
                "TASKBOARD_DATABASE_URL": url,
                "TASKBOARD_DATABASE_POOLER": "pgbouncer",
            }
        )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://app:pw@db/taskboard", "must name the driver the service uses: postgresql+asyncpg://"),
        ("postgres://app:pw@db/taskboard", "must name the driver the service uses: postgresql+asyncpg://"),
        (
            "postgresql+psycopg://app:pw@db/taskboard",
            "must name the driver the service uses: postgresql+asyncpg",
        ),
        ("sqlite:///./var/taskboard.db", "must name the driver the service uses: sqlite+aiosqlite:///"),
        (
            "mysql+aiomysql://app:pw@db/taskboard",
            "has an unknown scheme 'mysql+aiomysql'; use sqlite+aiosqlite",
        ),
        ("memory:///", "has an unknown scheme 'memory'"),
        ("app:pw@db/taskboard", "is not a database URL; use sqlite+aiosqlite"),
    ],
    ids=["postgresql", "postgres", "psycopg", "sqlite", "mysql", "memory-with-a-path", "no-scheme"],
)
def test_a_database_url_without_the_service_s_driver_is_refused_naming_the_right_form(
    url: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as refusal:
        Settings.from_environment({"TASKBOARD_SECRET_KEY": STRONG_KEY, "TASKBOARD_DATABASE_URL": url})

    message = str(refusal.value)
    assert message.startswith("TASKBOARD_DATABASE_URL ")
    assert expected in message
    assert "pw" not in message  # only the scheme is quoted back: the rest may hold a password
    assert "\n" not in message


@pytest.mark.parametrize(
    "url",
    ["sqlite+aiosqlite:///./var/taskboard.db", "postgresql+asyncpg://app:pw@db/taskboard", "memory://"],
    ids=["sqlite", "postgresql", "memory"],
)
def test_the_service_s_database_urls_are_accepted(url: str) -> None:
    settings = Settings.from_environment({"TASKBOARD_SECRET_KEY": STRONG_KEY, "TASKBOARD_DATABASE_URL": url})

    assert settings.database_url == url


def test_migrate_on_start_is_off_unless_set_true() -> None:
    def read(value: str | None) -> bool:
        env = {"TASKBOARD_SECRET_KEY": STRONG_KEY}
        if value is not None:
            env["TASKBOARD_MIGRATE_ON_START"] = value
        return Settings.from_environment(env).migrate_on_start

    assert [read(v) for v in (None, "", "false", "0", "true", "TRUE", "1")] == [
        False, False, False, False, True, True, True,
    ]  # fmt: skip
    with pytest.raises(SettingsError, match="TASKBOARD_MIGRATE_ON_START must be true or false, not 'yes'"):
        read("yes")


def test_webhook_settings_are_read_from_their_variables_with_delivery_in_process_by_default() -> None:
    defaults = Settings.from_environment({"TASKBOARD_SECRET_KEY": STRONG_KEY})
    chosen = Settings.from_environment(
        {
            "TASKBOARD_SECRET_KEY": STRONG_KEY,
            "TASKBOARD_WEBHOOK_ALLOW_PRIVATE": "true",
            "TASKBOARD_WEBHOOK_IN_PROCESS": "false",
            "TASKBOARD_WEBHOOK_POLL_INTERVAL_MS": "250",
        }
    )

    assert (
        defaults.webhook_allow_private,
        defaults.webhook_in_process,
        defaults.webhook_poll_interval_ms,
    ) == (
        False,
        True,
        1000,
    )
    assert (chosen.webhook_allow_private, chosen.webhook_in_process, chosen.webhook_poll_interval_ms) == (
        True,
        False,
        250,
    )
    with pytest.raises(SettingsError, match="TASKBOARD_WEBHOOK_POLL_INTERVAL_MS"):
        Settings.from_environment(
            {"TASKBOARD_SECRET_KEY": STRONG_KEY, "TASKBOARD_WEBHOOK_POLL_INTERVAL_MS": "5"}
        )
    with pytest.raises(SettingsError, match="TASKBOARD_WEBHOOK_IN_PROCESS"):
        Settings.from_environment(
            {"TASKBOARD_SECRET_KEY": STRONG_KEY, "TASKBOARD_WEBHOOK_IN_PROCESS": "maybe"}
        )


@pytest.mark.parametrize(
    ("environment", "allow_private", "may_reach_private"),
    [
        (Environment.DEVELOPMENT, False, True),
        (Environment.TEST, False, True),
        (Environment.PRODUCTION, False, False),
        (Environment.PRODUCTION, True, True),
    ],
)
def test_webhooks_reach_private_addresses_outside_production_or_when_allowed(
    environment: Environment, allow_private: bool, may_reach_private: bool
) -> None:
    settings = Settings(secret_key=STRONG_KEY, environment=environment, webhook_allow_private=allow_private)

    assert settings.webhooks_may_reach_private_addresses is may_reach_private
