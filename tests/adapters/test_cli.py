"""The `taskboard` command, run in process against a SQLite file of the test's own."""

import argparse
import asyncio
import io
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.cli import _parser, main
from adapters.composition import make_container
from adapters.persistence.sqlalchemy import migrations
from adapters.settings import Settings, SettingsError
from application.users.authenticate import (
    Authenticate,
    AuthenticateCommand,
)
from domain.unit_of_work import UnitOfWork
from domain.users import UserRole
from tests.factories import unique_email
from tests.servers import free_port, wait_until_live

PASSWORD = "a long enough password"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only the variables a test sets: nothing from the shell running the tests leaks in.

    The database goes in a folder that does not exist yet, as ./var/ on a fresh checkout.
    """
    for name in list(os.environ):
        if name.startswith("TASKBOARD_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TASKBOARD_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'var' / 'taskboard.db'}")
    monkeypatch.setenv("TASKBOARD_SECRET_KEY_FILE", str(tmp_path / "secret_key"))


def run_cli(*args: str) -> int:
    # main() runs its own event loop with asyncio.run, so it gets a thread away from the tests' loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(main, list(args)).result()


def database_revision() -> str | None:
    url = os.environ["TASKBOARD_DATABASE_URL"]
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, migrations.current_revision(url)).result()


def test_db_current_reports_an_unmigrated_database_as_behind(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("db", "current") == 0

    assert capsys.readouterr().out.strip() == f"base (behind: newest is {migrations.head_revision()})"


def test_db_upgrade_brings_the_database_to_the_newest_revision(capsys: pytest.CaptureFixture[str]) -> None:
    head = migrations.head_revision()

    assert run_cli("db", "upgrade") == 0
    assert capsys.readouterr().out.strip() == f"database at revision {head}"

    assert run_cli("db", "current") == 0
    assert capsys.readouterr().out.strip() == f"{head} (up to date)"


def test_db_downgrade_base_removes_every_revision(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("db", "upgrade") == 0
    capsys.readouterr()

    assert run_cli("db", "downgrade", "base") == 0
    assert capsys.readouterr().out.strip() == "database at revision base"

    assert run_cli("db", "current") == 0
    assert capsys.readouterr().out.strip().startswith("base (behind")


def test_db_history_lists_the_revisions_oldest_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("db", "history") == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "001: Create the users table."
    assert lines[-1].startswith(f"{migrations.head_revision()}: ")


async def test_create_admin_makes_an_administrator_who_can_sign_in(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    email = unique_email()
    monkeypatch.setenv("TASKBOARD_ADMIN_PASSWORD", PASSWORD)
    assert run_cli("db", "upgrade") == 0

    assert run_cli("users", "create-admin", "--email", email.upper()) == 0

    printed = capsys.readouterr().out
    match = re.search(rf"created administrator {re.escape(email)} with id (\S+)", printed)
    assert match is not None, printed
    container = make_container(Settings.from_environment())
    try:
        async with container() as request:
            authenticate = await request.get(Authenticate)
            token = await authenticate.execute(AuthenticateCommand(email=email, password=PASSWORD))
        async with container() as request:
            uow = await request.get(UnitOfWork)
            async with uow.read_only():
                standing = await uow.users.find_standing(UUID(match.group(1)))
    finally:
        await container.close()
    assert token.access_token
    assert standing is not None
    assert standing.actor.role is UserRole.ADMIN


def test_create_admin_refuses_an_email_already_taken(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    email = unique_email()
    monkeypatch.setenv("TASKBOARD_ADMIN_PASSWORD", PASSWORD)
    assert run_cli("db", "upgrade") == 0
    assert run_cli("users", "create-admin", "--email", email) == 0
    capsys.readouterr()

    assert run_cli("users", "create-admin", "--email", email) != 0

    assert capsys.readouterr().err.strip() == "taskboard: a user with this email already exists (email)"


def test_create_admin_refuses_a_short_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TASKBOARD_ADMIN_PASSWORD", "short")
    assert run_cli("db", "upgrade") == 0

    assert run_cli("users", "create-admin", "--email", unique_email()) != 0

    assert "(password)" in capsys.readouterr().err


def test_create_admin_without_a_password_or_a_terminal_exits_with_advice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run_cli("db", "upgrade") == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # as under cron or a pipe: no terminal to ask in

    with pytest.raises(SystemExit) as exit_info:
        run_cli("users", "create-admin", "--email", unique_email())

    assert exit_info.value.code != 0
    assert "TASKBOARD_ADMIN_PASSWORD" in str(exit_info.value.code)


def test_create_admin_refuses_the_memory_database_where_the_account_would_vanish(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TASKBOARD_DATABASE_URL", "memory://")
    monkeypatch.setenv("TASKBOARD_ADMIN_PASSWORD", PASSWORD)

    assert run_cli("users", "create-admin", "--email", unique_email()) == 1

    refusal = capsys.readouterr().err.strip()
    assert refusal.startswith(
        "taskboard: users create-admin needs a SQLite or PostgreSQL database; an account"
    )
    assert "would vanish" in refusal
    assert "TASKBOARD_ADMIN_EMAIL" in refusal  # how to get an administrator into a memory:// server


def test_create_admin_on_an_unmigrated_database_says_to_upgrade_first(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TASKBOARD_ADMIN_PASSWORD", PASSWORD)

    assert run_cli("users", "create-admin", "--email", unique_email()) != 0

    assert "run `taskboard db upgrade`" in capsys.readouterr().err


# `taskboard serve`: first what it hands uvicorn (uvicorn.run replaced by a recorder), then a real server.


@pytest.fixture
def uvicorn_runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **options: runs.append({"app": app, **options}))
    return runs


@pytest.fixture
def migrated() -> None:
    """The test's database at the newest revision, as `taskboard serve` requires."""
    assert run_cli("db", "upgrade") == 0


@pytest.mark.usefixtures("migrated")
def test_serve_runs_the_app_factory_with_uvloop_httptools_and_the_workers_asked_for(
    uvicorn_runs: list[dict[str, Any]],
) -> None:
    handlers = {stop: signal.getsignal(stop) for stop in (signal.SIGTERM, signal.SIGINT)}

    # In this thread, not run_cli's: only the main thread may install signal handlers.
    assert main(["serve", "--workers", "3", "--port", "8123"]) == 0

    [run] = uvicorn_runs
    assert (run["app"], run["factory"]) == ("adapters.composition:create_app", True)
    assert (run["loop"], run["http"]) == ("uvloop", "httptools")
    assert (run["workers"], run["host"], run["port"]) == (3, "127.0.0.1", 8123)
    assert run["timeout_graceful_shutdown"] > 0
    assert run["timeout_worker_healthcheck"] >= 30  # a worker may take that long to start on a busy machine
    assert {stop: signal.getsignal(stop) for stop in handlers} == handlers  # put back as found


@pytest.mark.usefixtures("migrated")
def test_serve_warns_that_workers_count_rate_limits_apart_without_redis(
    monkeypatch: pytest.MonkeyPatch, uvicorn_runs: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    assert main(["serve"]) == 0
    assert "TASKBOARD_REDIS_URL" not in caplog.text  # one worker: one set of counters

    assert main(["serve", "--workers", "2"]) == 0
    assert "2 worker processes apart" in caplog.text
    assert "set TASKBOARD_REDIS_URL" in caplog.text

    caplog.clear()
    monkeypatch.setenv("TASKBOARD_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert main(["serve", "--workers", "2"]) == 0
    assert "TASKBOARD_REDIS_URL" not in caplog.text


@pytest.mark.usefixtures("migrated")
def test_serve_takes_the_workers_from_the_environment_and_defaults_to_one(
    monkeypatch: pytest.MonkeyPatch, uvicorn_runs: list[dict[str, Any]]
) -> None:
    assert main(["serve"]) == 0
    monkeypatch.setenv("TASKBOARD_WORKERS", "2")
    assert main(["serve"]) == 0
    assert main(["serve", "--workers", "4"]) == 0  # the flag wins

    assert [run["workers"] for run in uvicorn_runs] == [1, 2, 4]


@pytest.mark.usefixtures("migrated")
@pytest.mark.parametrize(
    ("host", "shown"),
    [("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "127.0.0.1"), ("::", "[::1]"), ("localhost", "localhost")],  # noqa: S104
    ids=["loopback", "every-ipv4-address", "every-ipv6-address", "a-name"],
)
def test_serve_logs_where_the_api_and_its_reference_are(
    host: str, shown: str, uvicorn_runs: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="taskboard")

    assert main(["serve", "--host", host, "--port", "8123"]) == 0

    assert (
        f"the API at http://{shown}:8123/api/v1, its reference at http://{shown}:8123/schema" in caplog.text
    )


def serve_refusal(capsys: pytest.CaptureFixture[str]) -> str:
    """What `taskboard serve` said on its way out: one line, no traceback."""
    printed = capsys.readouterr().err
    [line] = [line for line in printed.splitlines() if line.startswith("taskboard: ")]
    assert "Traceback" not in printed
    return line


@pytest.mark.parametrize("behind", ["base", "-1"], ids=["never-migrated", "one-revision-behind"])
def test_serve_refuses_a_schema_that_is_not_the_newest_and_says_what_to_run(
    behind: str, capsys: pytest.CaptureFixture[str], uvicorn_runs: list[dict[str, Any]]
) -> None:
    assert run_cli("db", "upgrade") == 0
    assert run_cli("db", "downgrade", behind) == 0
    current = database_revision()
    capsys.readouterr()

    assert main(["serve"]) == 2

    assert uvicorn_runs == []
    assert serve_refusal(capsys) == (
        f"taskboard: the database schema is at revision {current or 'none'}, not the newest "
        f"({migrations.head_revision()}); run `taskboard db upgrade` first, "
        "or set TASKBOARD_MIGRATE_ON_START=true"
    )


def test_serve_with_migrate_on_start_migrates_the_database_first_then_serves(
    monkeypatch: pytest.MonkeyPatch, uvicorn_runs: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("TASKBOARD_MIGRATE_ON_START", "true")

    assert main(["serve"]) == 0

    assert len(uvicorn_runs) == 1
    assert database_revision() == migrations.head_revision()


@pytest.mark.parametrize("migrate_on_start", ["false", "true"])
def test_serve_refuses_a_schema_newer_than_its_own_even_when_told_to_migrate(
    migrate_on_start: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    uvicorn_runs: list[dict[str, Any]],
    tmp_path: Path,
) -> None:
    assert run_cli("db", "upgrade") == 0
    with sqlite3.connect(tmp_path / "var" / "taskboard.db") as database:
        database.execute("UPDATE alembic_version SET version_num = '999'")  # a later release's
    monkeypatch.setenv("TASKBOARD_MIGRATE_ON_START", migrate_on_start)
    capsys.readouterr()

    assert main(["serve"]) == 2

    assert uvicorn_runs == []
    refusal = serve_refusal(capsys)
    assert "at revision 999, which this version of taskboard does not know" in refusal
    assert f"`taskboard db downgrade {migrations.head_revision()}`" in refusal


def test_serve_refuses_a_database_it_cannot_reach_without_showing_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], uvicorn_runs: list[dict[str, Any]]
) -> None:
    nobody_listens = free_port()
    monkeypatch.setenv(
        "TASKBOARD_DATABASE_URL", f"postgresql+asyncpg://app:s3cret-pw@127.0.0.1:{nobody_listens}/x"
    )

    assert main(["serve"]) == 2

    assert uvicorn_runs == []
    refusal = serve_refusal(capsys)
    masked = f"postgresql+asyncpg://app:********@127.0.0.1:{nobody_listens}/x"
    assert refusal.startswith(f"taskboard: cannot connect to the database at {masked} (")
    assert refusal.endswith("); start it, or correct TASKBOARD_DATABASE_URL")
    assert "s3cret-pw" not in refusal


def test_serve_refuses_a_database_url_without_the_driver_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], uvicorn_runs: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("TASKBOARD_DATABASE_URL", "postgresql://app:s3cret-pw@db.internal/taskboard")

    assert main(["serve"]) == 2

    assert uvicorn_runs == []
    assert serve_refusal(capsys) == (
        "taskboard: TASKBOARD_DATABASE_URL must name the driver the service uses: "
        "postgresql+asyncpg://USER:PASSWORD@HOST/DATABASE, not postgresql://..."
    )


@pytest.mark.parametrize("raw", ["0", "-1", "two", "1.5", ""])
def test_the_workers_setting_must_be_a_whole_number_of_at_least_one(raw: str) -> None:
    with pytest.raises(SettingsError, match="TASKBOARD_WORKERS"):
        Settings.from_environment({"TASKBOARD_WORKERS": raw, "TASKBOARD_SECRET_KEY": "k" * 40})


def test_serve_with_a_bad_workers_setting_says_so_and_serves_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], uvicorn_runs: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("TASKBOARD_WORKERS", "0")

    assert main(["serve"]) == 2

    assert uvicorn_runs == []
    assert capsys.readouterr().err.strip() == "taskboard: TASKBOARD_WORKERS must be at least 1, not 0"


@pytest.mark.parametrize("raw", ["0", "-2", "many"])
def test_serve_refuses_a_workers_flag_that_is_not_a_positive_whole_number(
    raw: str, capsys: pytest.CaptureFixture[str], uvicorn_runs: list[dict[str, Any]]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--workers", raw])

    assert exit_info.value.code == 2
    assert uvicorn_runs == []
    assert "argument --workers: must be" in capsys.readouterr().err


BIN = Path(sys.executable).parent


@pytest.mark.parametrize("workers", [1, 2])
def test_a_served_api_finishes_a_request_in_flight_on_sigterm_then_exits_0_having_closed_the_database(
    workers: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request's body arrives only after SIGTERM: the server must wait for it and answer.

    On SQLite in WAL mode the -wal file is removed when the last connection closes, so its absence
    after exit shows the app's shutdown disposed of the pool (a process that just exits leaves it).
    """
    email, port = unique_email(), free_port()
    monkeypatch.setenv("TASKBOARD_PORT", str(port))
    monkeypatch.setenv("TASKBOARD_ADMIN_PASSWORD", PASSWORD)
    # Migrated and given its admin in process: only the server under test needs a process of its own.
    assert run_cli("db", "upgrade") == 0
    assert run_cli("users", "create-admin", "--email", email) == 0
    env = dict(os.environ)
    log = tmp_path / "serve.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [BIN / "taskboard", "serve", "--workers", str(workers)], env=env, stderr=log_file
        )
    try:
        wait_until_live(port, lambda: process.poll() is not None, log)
        body = json.dumps({"email": email, "password": PASSWORD}).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
            client.sendall(
                b"POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
            )
            time.sleep(0.5)  # the server has the headers: the request is in flight
            process.send_signal(signal.SIGTERM)
            time.sleep(1)
            assert process.poll() is None, "the server stopped without waiting for the request"
            client.sendall(body)
            response = b""
            while chunk := client.recv(65536):  # the server closes the connection once it has answered
                response += chunk
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    head, _, answer = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), response
    assert json.loads(answer)["token_type"] == "bearer"
    printed = log.read_text()
    assert printed.count("Application shutdown complete") == workers, printed
    assert not (tmp_path / "var" / "taskboard.db-wal").exists()


def test_version_prints_the_project_s_version(capsys: pytest.CaptureFixture[str]) -> None:
    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])

    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"taskboard {project['version']}"


def every_command(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The words of each command and group the parser knows, the program itself first."""
    yield path
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                yield from every_command(subparser, (*path, name))


def test_every_command_s_help_names_the_database_variable(capsys: pytest.CaptureFixture[str]) -> None:
    commands = list(every_command(_parser()))
    assert ("db", "upgrade") in commands  # the walk reaches the nested ones

    for command in commands:
        with pytest.raises(SystemExit) as exit_info:
            main([*command, "--help"])
        assert exit_info.value.code == 0
        assert "TASKBOARD_DATABASE_URL" in capsys.readouterr().out, command


def test_config_prints_every_setting_with_its_secrets_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TASKBOARD_DATABASE_URL", "postgresql+asyncpg://app:s3cret-pw@db.internal/taskboard")
    monkeypatch.setenv("TASKBOARD_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("TASKBOARD_PORT", "9090")

    assert run_cli("config") == 0

    printed = capsys.readouterr().out
    values = dict(line.split("=", 1) for line in printed.splitlines())
    assert values["TASKBOARD_DATABASE_URL"] == "postgresql+asyncpg://app:********@db.internal/taskboard"
    assert values["TASKBOARD_SECRET_KEY"] == "********"
    assert values["TASKBOARD_PORT"] == "9090"
    assert "s3cret-pw" not in printed
    assert "k" * 40 not in printed


def test_config_refuses_an_invalid_setting_by_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TASKBOARD_WORKERS", "many")

    assert run_cli("config") == 2
    assert "TASKBOARD_WORKERS" in capsys.readouterr().err


def test_the_readme_documents_every_setting_the_service_reads() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()

    undocumented = [name for name, _ in Settings().described() if f"| `{name}` |" not in readme]

    assert undocumented == []
