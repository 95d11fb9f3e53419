"""The `taskboard` command, run in process against a SQLite file of the test's own."""

import io
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from uuid import UUID

import pytest

from adapters.cli import main
from adapters.composition import make_container
from adapters.persistence.sqlalchemy import migrations
from adapters.settings import Settings
from application.users.authenticate import (
    Authenticate,
    AuthenticateCommand,
    IdentifyCaller,
    IdentifyCallerQuery,
)
from domain.users import UserRole
from tests.factories import unique_email

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
            identify = await request.get(IdentifyCaller)
            actor = await identify.execute(IdentifyCallerQuery(user_id=UUID(match.group(1))))
    finally:
        await container.close()
    assert token.access_token
    assert actor.role is UserRole.ADMIN


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


def test_create_admin_on_an_unmigrated_database_says_to_upgrade_first(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TASKBOARD_ADMIN_PASSWORD", PASSWORD)

    assert run_cli("users", "create-admin", "--email", unique_email()) != 0

    assert "run `taskboard db upgrade`" in capsys.readouterr().err
