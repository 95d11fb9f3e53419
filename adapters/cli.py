"""`taskboard`: serve the API, manage the schema, create the first administrator, seed demo data."""

import argparse
import asyncio
import getpass
import logging
import signal
import sys
from collections.abc import Sequence
from importlib.metadata import version

from adapters.persistence.sqlalchemy import migrations
from adapters.settings import DEFAULT_DATABASE_URL, MEMORY_URL, Settings, SettingsError, masked_url
from adapters.startup import StartupRefused, prepare_database
from domain.errors import DomainError
from domain.users import User


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_environment()
    except SettingsError as error:
        print(f"taskboard: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.handler(settings, args))
    except DomainError as error:
        where = f" ({error.field})" if error.field else ""
        print(f"taskboard: {error.message}{where}", file=sys.stderr)
        return 1


# Every command's --help ends with this: which database a command acts on is the first question.
_DATABASE_NOTE = (
    f"The database is TASKBOARD_DATABASE_URL (default {DEFAULT_DATABASE_URL};\n"
    f"or postgresql+asyncpg://USER:PASSWORD@HOST/DATABASE, or {MEMORY_URL}).\n"
    "`taskboard config` prints every setting."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taskboard", description=__doc__, epilog=_DATABASE_NOTE)
    parser.add_argument("--version", action="version", version=f"taskboard {version('taskboard')}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="serve the HTTP API",
        description="Serve the HTTP API, once the database answers and its schema is the newest.",
        epilog=_DATABASE_NOTE,
    )
    serve.add_argument("--host", help="address to bind (default: TASKBOARD_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: TASKBOARD_PORT or 8000)")
    serve.add_argument(
        "--workers",
        type=_positive,
        help="server processes sharing the port (default: TASKBOARD_WORKERS or 1)",
    )
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="schema migrations", epilog=_DATABASE_NOTE).add_subparsers(
        required=True, metavar="ACTION"
    )
    upgrade = db.add_parser(
        "upgrade", help="migrate up (default: to the newest revision)", epilog=_DATABASE_NOTE
    )
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(handler=_db_upgrade)
    downgrade = db.add_parser("downgrade", help="migrate down, e.g. to -1 or base", epilog=_DATABASE_NOTE)
    downgrade.add_argument("revision")
    downgrade.set_defaults(handler=_db_downgrade)
    db.add_parser("current", help="the revision the database is at", epilog=_DATABASE_NOTE).set_defaults(
        handler=_db_current
    )
    db.add_parser("history", help="every revision, oldest first", epilog=_DATABASE_NOTE).set_defaults(
        handler=_db_history
    )

    users = commands.add_parser("users", help="user accounts", epilog=_DATABASE_NOTE).add_subparsers(
        required=True, metavar="ACTION"
    )
    admin = users.add_parser(
        "create-admin",
        help="create an administrator; the password comes from TASKBOARD_ADMIN_PASSWORD or a prompt",
        epilog=_DATABASE_NOTE,
    )
    admin.add_argument("--email", required=True)
    admin.add_argument("--full-name", default="Administrator")
    admin.set_defaults(handler=_create_admin)

    commands.add_parser(
        "config",
        help="print the effective settings (TASKBOARD_* variables), secrets masked",
        epilog=_DATABASE_NOTE,
    ).set_defaults(handler=_config)

    seed = commands.add_parser(
        "seed",
        help="fill a SQL database with demo users, projects, tasks and comments",
        description=_SEED_DESCRIPTION,
        epilog=_DATABASE_NOTE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    seed.add_argument(
        "--users",
        type=_count,
        default=50,
        help="member accounts seed-user-00001@example.com ... (default 50), besides seed-admin@example.com",
    )
    seed.add_argument(
        "--projects", type=_count, default=5, help="projects keyed SEEDA, SEEDB, ... (default 5)"
    )
    seed.add_argument(
        "--tasks", type=_count, default=500, help="tasks the seeded projects hold in all (default 500)"
    )
    seed.add_argument(
        "--comments-per-task", type=_count, default=2, help="average comments on each new task (default 2)"
    )
    seed.add_argument(
        "--password",
        default="seed-password",
        help="password of every account this run creates (default: seed-password)",
    )
    seed.set_defaults(handler=_seed)
    return parser


_SEED_DESCRIPTION = """\
Fill a migrated SQLite or PostgreSQL database with believable demo data: users, projects with
managers, contributors and viewers, tags, tasks in every status and comments, a few soft-deleted.

Sign in as seed-admin@example.com (an administrator) or seed-user-00001@example.com with the
--password given (default: seed-password).

Rerunning is safe: existing seeded users (by email) and live projects (by key) are reused as they
are and only missing ones are created; tasks are topped up until the seeded projects hold --tasks
(soft-deleted ones included), continuing each project's numbering. Nothing is changed or removed.
"""


def _config(settings: Settings, _args: argparse.Namespace) -> int:
    # Reaching here means every setting is valid: an invalid one already exited 2 with its name.
    for variable, value in settings.described():
        print(f"{variable}={value}")
    return 0


def _count(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _positive(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {raw!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


# How long a stopping server lets in-flight requests finish before it cancels them.
GRACEFUL_SHUTDOWN_SECONDS = 30
# How long uvicorn waits for a worker to answer its health check before killing it as hung. Its
# default, 5 s, is shorter than a worker's start on a busy machine (importing the app alone took
# 8 s at a load of 9 on two cores): every worker was killed before it could serve.
WORKER_HEALTHCHECK_SECONDS = 60
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    try:
        asyncio.run(prepare_database(settings))
    except StartupRefused as refusal:
        print(f"taskboard: {refusal}", file=sys.stderr)
        return 2
    host, port = args.host or settings.host, args.port or settings.port
    address = f"http://{_browsable(host)}:{port}"
    logging.getLogger("taskboard").info(
        "taskboard %s on %s: the API at %s/api/v1, its reference at %s/schema",
        version("taskboard"),
        masked_url(settings.database_url),
        address,
        address,
    )

    # uvicorn re-raises the stop signal once it has shut down gracefully, so that the process dies
    # of it. It restores the handlers it found first, so with these no-op ones in place a requested
    # stop that went well exits 0 (a service manager reads death by a signal as a failure).
    workers = args.workers or settings.workers
    if workers > 1 and settings.redis_url is None:
        logging.getLogger("taskboard").warning(
            "rate limits are counted in each of the %d worker processes apart, so a client gets up to "
            "%d times each limit; set TASKBOARD_REDIS_URL to share the counters",
            workers,
            workers,
        )
    previous = {stop: signal.signal(stop, _stopped) for stop in _STOP_SIGNALS}
    try:
        uvicorn.run(
            # An import string and a factory: with several workers each process builds its own app
            # (and engine, and pool); create_app reads the environment these settings came from.
            "adapters.composition:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            # Named, not "auto": a missing uvloop or httptools fails at start instead of silently
            # falling back to asyncio's loop and h11, which serve far fewer requests.
            loop="uvloop",
            http="httptools",
            # On SIGTERM or SIGINT uvicorn stops accepting, lets in-flight requests finish (at most
            # this long), then runs the app's shutdown: the container closes and disposes the pool.
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
            log_level=settings.log_level.lower(),
        )
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
    return 0


def _browsable(host: str) -> str:
    """The host part of a URL a browser on this machine can open, for the address bound."""
    if host in ("", "0.0.0.0"):  # noqa: S104 (read, not bound)
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _stopped(signum: int, frame: object) -> None:
    """What uvicorn's re-raised stop signal runs: nothing, the graceful stop is already done."""


def _sql_url(settings: Settings) -> str | None:
    if settings.database_url == MEMORY_URL:
        print("taskboard: the memory database has no schema to migrate", file=sys.stderr)
        return None
    return settings.database_url


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    if (url := _sql_url(settings)) is None:
        return 0
    asyncio.run(migrations.upgrade(url, args.revision))
    print(f"database at revision {asyncio.run(migrations.current_revision(url))}")
    return 0


def _db_downgrade(settings: Settings, args: argparse.Namespace) -> int:
    if (url := _sql_url(settings)) is None:
        return 0
    asyncio.run(migrations.downgrade(url, args.revision))
    print(f"database at revision {asyncio.run(migrations.current_revision(url)) or 'base'}")
    return 0


def _db_current(settings: Settings, args: argparse.Namespace) -> int:
    if (url := _sql_url(settings)) is None:
        return 0
    current = asyncio.run(migrations.current_revision(url))
    head = migrations.head_revision()
    state = "up to date" if current == head else f"behind: newest is {head}"
    print(f"{current or 'base'} ({state})")
    return 0


def _db_history(settings: Settings, args: argparse.Namespace) -> int:
    print("\n".join(migrations.history()))
    return 0


def _vanishes_in_memory(settings: Settings, command: str, what: str, advice: str = "") -> bool:
    """Refuse a command whose effect would vanish with its own process, as memory:// data does."""
    if settings.database_url != MEMORY_URL:
        return False
    print(
        f"taskboard: {command} needs a SQLite or PostgreSQL database; {what} in the memory database "
        "would vanish when this command ends" + (f" ({advice})" if advice else ""),
        file=sys.stderr,
    )
    return True


def _create_admin(settings: Settings, args: argparse.Namespace) -> int:
    advice = "a memory:// server creates TASKBOARD_ADMIN_EMAIL with TASKBOARD_ADMIN_PASSWORD as it starts"
    if _vanishes_in_memory(settings, "users create-admin", "an account", advice):
        return 1
    # Checked before asking for a password: an unmigrated database would only fail with a traceback.
    current = asyncio.run(migrations.current_revision(settings.database_url))
    if current != migrations.head_revision():
        print("taskboard: the database schema is not up to date; run `taskboard db upgrade`", file=sys.stderr)
        return 1
    password = settings.admin_password or _prompt_password()
    user = asyncio.run(_register_admin(settings, args.email, args.full_name, password))
    print(f"created administrator {user.email} with id {user.id}")
    return 0


def _prompt_password() -> str:
    if not sys.stdin.isatty():
        raise SystemExit("taskboard: set TASKBOARD_ADMIN_PASSWORD or run in a terminal to be asked")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != password:
        raise SystemExit("taskboard: the passwords differ")
    return password


def _seed(settings: Settings, args: argparse.Namespace) -> int:
    if _vanishes_in_memory(settings, "seed", "data"):
        return 1
    current = asyncio.run(migrations.current_revision(settings.database_url))
    if current != migrations.head_revision():
        print("taskboard: the database schema is not up to date; run `taskboard db upgrade`", file=sys.stderr)
        return 1
    # Imported here: polyfactory and Faker take a while to load, and only this command needs them.
    from adapters.seed import SEED_ADMIN_EMAIL, SeedRequest, seed

    request = SeedRequest(
        users=args.users,
        projects=args.projects,
        tasks=args.tasks,
        comments_per_task=args.comments_per_task,
        password=args.password,
    )
    report = asyncio.run(seed(settings.database_url, request, progress=sys.stderr))
    print(f"users: {report.users} seeded ({report.users_created} new)")
    print(f"projects: {report.projects} seeded ({report.projects_created} new)")
    print(f"tasks: {report.tasks} in the seeded projects ({report.tasks_created} new)")
    print(f"comments: {report.comments_created} new")
    print(f"sign in as {SEED_ADMIN_EMAIL} with the seed password")
    return 0


async def _register_admin(settings: Settings, email: str, full_name: str, password: str) -> User:
    # Imported here: the composition root (the app, the adapters) is most of the 2.5 s a command
    # takes to start, and serve's supervisor process, which only starts workers, never needs it.
    from adapters.admin_accounts import create_admin
    from adapters.composition import make_container

    container = make_container(settings)
    try:
        return await create_admin(container, email, full_name, password)
    finally:
        await container.close()


if __name__ == "__main__":
    sys.exit(main())
