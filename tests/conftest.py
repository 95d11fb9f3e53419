"""Fixtures shared by every test: databases for the three adapters, and the app over HTTP.

PostgreSQL tests get a database of their own per run (created here, dropped at the end), so runs
never collide. Without a server they skip with the reason; under CI=true they fail instead.
"""

import os
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from dishka import AsyncContainer, Provider, Scope, provide
from litestar import Litestar
from sqlalchemy import delete
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.composition import create_app
from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.persistence.sqlalchemy import migrations
from adapters.persistence.sqlalchemy.engine import create_engine, create_session_factory
from adapters.persistence.sqlalchemy.models import Base
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from adapters.security.passwords import Argon2PasswordHasher
from adapters.settings import MEMORY_URL, Environment, Settings
from application.ports import PasswordHasher
from domain.unit_of_work import UnitOfWork

POSTGRES_URL = os.environ.get(
    "TASKBOARD_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["memory", "sqlite", "postgresql"]
UnitOfWorkFactory = Callable[[], UnitOfWork]


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_postgres_database() -> str:
    """Create an empty database for this run; skip (or fail under CI) when there is no server."""
    try:
        admin = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL), timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        reason = f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"taskboard_test_{secrets.token_hex(6)}"
    try:
        # A linguistic collation, as production databases usually have: it sorts "a" < "B" < "c",
        # so a query that forgets COLLATE "C" orders text differently from the other adapters.
        await admin.execute(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en'"
        )
    except asyncpg.PostgresError:
        await admin.execute(f'CREATE DATABASE "{name}"')  # a server built without ICU
    finally:
        await admin.close()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    admin = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL), timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def postgresql_empty_url() -> AsyncIterator[str]:
    """An empty PostgreSQL database of this run's own (for migration tests)."""
    url = await create_postgres_database()
    yield url
    await drop_postgres_database(url)


@pytest.fixture(scope="session")
async def postgresql_url() -> AsyncIterator[str]:
    """A PostgreSQL database of this run's own, migrated to the newest revision."""
    url = await create_postgres_database()
    await migrations.upgrade(url)
    yield url
    await drop_postgres_database(url)


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file database, migrated to the newest revision."""
    path: Path = tmp_path_factory.mktemp("sqlite") / "taskboard.db"
    url = f"sqlite+aiosqlite:///{path}"
    await migrations.upgrade(url)
    return url


@pytest.fixture(scope="session")
async def sqlite_engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def postgresql_engine(postgresql_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(postgresql_url)
    yield engine
    await engine.dispose()


async def empty_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(delete(table))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each test that uses it runs three times: on memory, SQLite and PostgreSQL."""
    name: str = request.param
    return name


@pytest.fixture
def backend_engine(backend: str, request: pytest.FixtureRequest) -> AsyncEngine | None:
    # Resolved from a sync fixture: pytest-asyncio cannot start an async fixture from a running loop.
    if backend == "memory":
        return None
    engine: AsyncEngine = request.getfixturevalue(f"{backend}_engine")
    return engine


@pytest.fixture
async def uow_factory(backend_engine: AsyncEngine | None) -> UnitOfWorkFactory:
    """Makes units of work on the test's adapter, its tables empty at the start of the test."""
    if backend_engine is None:
        store = MemoryStore()
        return lambda: InMemoryUnitOfWork(store)
    await empty_tables(backend_engine)
    sessions = create_session_factory(backend_engine)
    return lambda: SqlAlchemyUnitOfWork(sessions())


class FastHashingProvider(Provider):
    """argon2id at minimal cost: sign-ins in tests take microseconds, not 50 ms each."""

    @provide(scope=Scope.APP)
    def password_hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher.fast_for_tests()


def settings_for(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=secrets.token_urlsafe(48),
        environment=Environment.TEST,
        # The module's app serves many tests: counters would carry over from one to the next.
        # tests/http/test_rate_limits.py builds apps with limits of their own.
        sign_in_failures_per_account=None,
        sign_ins_per_address=None,
        writes_per_caller=None,
        # Tests drive the webhook dispatcher themselves (tests/webhooks/): one polling on its own
        # would add statements and transactions to whatever a test counts or resets.
        webhook_in_process=False,
    )


async def start_app(app: Litestar) -> None:
    for hook in app.on_startup:
        await hook()  # type: ignore[call-arg]  # our hooks take no arguments


async def stop_app(app: Litestar) -> None:
    for hook in app.on_shutdown:
        await hook()  # type: ignore[call-arg]


def http_client(app: Litestar) -> httpx.AsyncClient:
    # Litestar's AsyncTestClient runs the app on another event loop, which asyncpg refuses
    # (stack-facts trap 3); ASGITransport keeps everything on the test's loop.
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar's ASGI types are narrower
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture(scope="module", params=["sqlite"])
def api_backend(request: pytest.FixtureRequest) -> str:
    """The database behind `api`: SQLite unless a test parametrises `api_backend` itself."""
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def api_database(api_backend: str, request: pytest.FixtureRequest) -> tuple[str, AsyncEngine | None]:
    if api_backend == "memory":
        return MEMORY_URL, None
    engine: AsyncEngine = request.getfixturevalue(f"{api_backend}_engine")
    url: str = request.getfixturevalue(f"{api_backend}_url")
    return url, engine


@pytest.fixture(scope="module")
async def module_app(api_database: tuple[str, AsyncEngine | None]) -> AsyncIterator[Litestar]:
    """One app (container, engine, pool) per module and backend: building one costs ~100 ms."""
    url, _ = api_database
    application = create_app(settings_for(url), FastHashingProvider())
    await start_app(application)
    yield application
    await stop_app(application)


@pytest.fixture
async def app(module_app: Litestar, api_database: tuple[str, AsyncEngine | None]) -> Litestar:
    """The module's app with no data: every test starts from empty tables (or an empty store)."""
    _, engine = api_database
    if engine is None:
        container: AsyncContainer = module_app.state.dishka_container
        (await container.get(MemoryStore)).clear()
    else:
        await empty_tables(engine)
    return module_app


@pytest.fixture
async def api(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as client:
        yield client
