"""The composition root: the only module that knows which adapters run behind the ports."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TypeVar

from dishka import AsyncContainer, Provider, Scope, decorate, from_context, make_async_container, provide
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.clock import UtcClock
from adapters.health import MemoryReadinessProbe, ReadinessProbe
from adapters.http.app import build_app
from adapters.http.cursors import CursorCodec
from adapters.http.rate_limits import RateLimits
from adapters.metrics import UNIT_OF_WORK_GIVE_UPS, UNIT_OF_WORK_RETRIES, watch_pool
from adapters.persistence.caller import Caller
from adapters.persistence.idempotency import IdempotentRequest, KeysInFlight
from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from adapters.persistence.sqlalchemy.engine import (
    create_engine,
    create_session_factory,
    idempotency_lock_path,
)
from adapters.persistence.sqlalchemy.migrations import head_revision
from adapters.persistence.sqlalchemy.readiness import SqlReadinessProbe
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JwtTokenIssuer
from adapters.settings import MEMORY_URL, Settings
from adapters.webhooks.sender import WebhookSender
from adapters.webhooks.targets import AddressPolicy
from application.comments.add_comment import AddComment
from application.comments.delete_comment import DeleteComment
from application.comments.list_comments import ListComments
from application.comments.update_comment import UpdateComment
from application.ports import Clock, PasswordHasher, TokenIssuer
from application.projects.create_project import CreateProject
from application.projects.create_tag import CreateTag
from application.projects.delete_project import DeleteProject
from application.projects.delete_tag import DeleteTag
from application.projects.get_project import GetProject
from application.projects.list_activity import ListActivity
from application.projects.list_members import ListMembers
from application.projects.list_projects import ListProjects
from application.projects.list_tags import ListTags
from application.projects.remove_member import RemoveMember
from application.projects.restore_project import RestoreProject
from application.projects.set_member import SetMember
from application.projects.update_project import UpdateProject
from application.projects.update_tag import UpdateTag
from application.retries import RetryTransientConflicts
from application.tasks.bulk_update_tasks import BulkUpdateTasks
from application.tasks.create_task import CreateTask
from application.tasks.delete_task import DeleteTask
from application.tasks.get_task import GetTask
from application.tasks.get_task_history import GetTaskHistory
from application.tasks.list_tasks import ListTasks
from application.tasks.restore_task import RestoreTask
from application.tasks.set_watching import SetWatching
from application.tasks.update_task import UpdateTask
from application.use_case import UseCase
from application.users.authenticate import Authenticate
from application.users.delete_user import DeleteUser
from application.users.get_user import GetUser
from application.users.list_users import ListUsers
from application.users.register_user import RegisterUser
from application.users.restore_user import RestoreUser
from application.users.update_user import UpdateUser
from application.webhooks.create_webhook import CreateWebhook
from application.webhooks.delete_webhook import DeleteWebhook
from application.webhooks.get_webhook import GetWebhook
from application.webhooks.list_deliveries import ListDeliveries
from application.webhooks.list_webhooks import ListWebhooks
from application.webhooks.ports import WebhookTargets
from application.webhooks.record_attempts import RecordAttempts
from application.webhooks.retry_delivery import RetryDelivery
from application.webhooks.take_due_deliveries import TakeDueDeliveries
from application.webhooks.update_webhook import UpdateWebhook
from domain.unit_of_work import UnitOfWork

AnyUseCase = TypeVar("AnyUseCase", bound=UseCase)


class ServicesProvider(Provider):
    """Process-wide services that are not persistence: time, hashing, tokens, cursors, webhooks."""

    settings = from_context(provides=Settings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def clock(self) -> Clock:
        return UtcClock()

    @provide(scope=Scope.APP)
    def password_hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher()

    @provide(scope=Scope.REQUEST)
    def caller(self) -> Caller:
        # Empty until the HTTP authentication verifies the request's token and fills it in.
        return Caller()

    @provide(scope=Scope.REQUEST)
    def idempotent_request(self) -> IdempotentRequest:
        # Without a key until a POST handler that honours Idempotency-Key fills one in.
        return IdempotentRequest()

    @provide(scope=Scope.APP)
    def cursors(self, settings: Settings) -> CursorCodec:
        return CursorCodec(settings.secret_key)

    @provide(scope=Scope.APP)
    def rate_limits(self, settings: Settings) -> RateLimits:
        return RateLimits(settings)

    @provide(scope=Scope.APP)
    def address_policy(self, settings: Settings) -> AddressPolicy:
        return AddressPolicy(allow_private=settings.webhooks_may_reach_private_addresses)

    @provide(scope=Scope.APP)
    def webhook_targets(self, policy: AddressPolicy) -> WebhookTargets:
        return policy

    @provide(scope=Scope.APP)
    async def webhook_sender(self, clock: Clock, policy: AddressPolicy) -> AsyncIterator[WebhookSender]:
        sender = WebhookSender(clock, policy)
        yield sender
        await sender.aclose()

    @provide(scope=Scope.APP)
    def token_issuer(self, settings: Settings) -> TokenIssuer:
        return JwtTokenIssuer(
            secret=settings.secret_key,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            lifetime=timedelta(seconds=settings.token_lifetime_seconds),
        )


class SqlAlchemyProvider(Provider):
    """SQLite or PostgreSQL: one engine per process, one session per request."""

    @provide(scope=Scope.APP)
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(
            settings.database_url,
            statement_timeout_ms=settings.statement_timeout_ms,
            pooler=settings.database_pooler,
            pool_size=settings.database_pool_size,
            pool_overflow=settings.database_pool_overflow,
        )
        watch_pool(engine)
        yield engine
        await engine.dispose()

    @provide(scope=Scope.APP)
    def readiness(self, engine: AsyncEngine) -> ReadinessProbe:
        return SqlReadinessProbe(engine, head_revision())

    @provide(scope=Scope.APP)
    def keys_in_flight(self, settings: Settings) -> KeysInFlight:
        return KeysInFlight(idempotency_lock_path(settings.database_url))

    @provide(scope=Scope.APP)
    def session_factory(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        return create_session_factory(engine)

    @provide(scope=Scope.REQUEST)
    async def session(self, factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
        # Only opens and closes: the use case's unit of work commits (stack-facts trap 2).
        async with factory() as session:
            yield session

    @provide(scope=Scope.REQUEST)
    def unit_of_work(self, session: AsyncSession, caller: Caller, once: IdempotentRequest) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(session, caller, once)


class MemoryProvider(Provider):
    """The in-memory adapter: data lives as long as the process."""

    store = provide(MemoryStore, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def keys_in_flight(self) -> KeysInFlight:
        return KeysInFlight()

    @provide(scope=Scope.APP)
    def readiness(self) -> ReadinessProbe:
        return MemoryReadinessProbe()

    @provide(scope=Scope.REQUEST)
    def unit_of_work(self, store: MemoryStore, caller: Caller, once: IdempotentRequest) -> UnitOfWork:
        return InMemoryUnitOfWork(store, caller, once)


class UseCasesProvider(Provider):
    scope = Scope.REQUEST

    @provide(scope=Scope.APP)
    def retries(self) -> RetryTransientConflicts:
        return RetryTransientConflicts(
            on_retry=UNIT_OF_WORK_RETRIES.inc, on_give_up=UNIT_OF_WORK_GIVE_UPS.inc
        )

    @decorate
    def retry_transient_conflicts(self, use_case: AnyUseCase, retries: RetryTransientConflicts) -> AnyUseCase:
        # Every use case, whoever calls it (HTTP, CLI, start-up): one rule, applied in one place.
        return retries.around(use_case)

    register_user = provide(RegisterUser)
    get_user = provide(GetUser)
    list_users = provide(ListUsers)
    update_user = provide(UpdateUser)
    delete_user = provide(DeleteUser)
    restore_user = provide(RestoreUser)
    authenticate = provide(Authenticate)
    create_project = provide(CreateProject)
    create_tag = provide(CreateTag)
    delete_project = provide(DeleteProject)
    delete_tag = provide(DeleteTag)
    get_project = provide(GetProject)
    list_members = provide(ListMembers)
    list_projects = provide(ListProjects)
    list_tags = provide(ListTags)
    remove_member = provide(RemoveMember)
    restore_project = provide(RestoreProject)
    set_member = provide(SetMember)
    update_project = provide(UpdateProject)
    update_tag = provide(UpdateTag)
    create_task = provide(CreateTask)
    delete_task = provide(DeleteTask)
    get_task = provide(GetTask)
    list_tasks = provide(ListTasks)
    restore_task = provide(RestoreTask)
    update_task = provide(UpdateTask)
    bulk_update_tasks = provide(BulkUpdateTasks)
    get_task_history = provide(GetTaskHistory)
    set_watching = provide(SetWatching)
    list_activity = provide(ListActivity)
    add_comment = provide(AddComment)
    delete_comment = provide(DeleteComment)
    list_comments = provide(ListComments)
    update_comment = provide(UpdateComment)
    create_webhook = provide(CreateWebhook)
    list_webhooks = provide(ListWebhooks)
    get_webhook = provide(GetWebhook)
    update_webhook = provide(UpdateWebhook)
    delete_webhook = provide(DeleteWebhook)
    list_deliveries = provide(ListDeliveries)
    retry_delivery = provide(RetryDelivery)
    take_due_deliveries = provide(TakeDueDeliveries)
    record_attempts = provide(RecordAttempts)


def persistence_provider(database_url: str) -> Provider:
    # Settings admit no other URL than memory://, SQLite's and PostgreSQL's (adapters/settings.py).
    return MemoryProvider() if database_url == MEMORY_URL else SqlAlchemyProvider()


def make_container(settings: Settings, *extra_providers: Provider) -> AsyncContainer:
    """Build the container; later providers override earlier ones (tests pass theirs last)."""
    return make_async_container(
        ServicesProvider(),
        persistence_provider(settings.database_url),
        UseCasesProvider(),
        *extra_providers,
        context={Settings: settings},
    )


def create_app(settings: Settings | None = None, *extra_providers: Provider) -> Litestar:
    """The service: the HTTP API over the adapters the settings choose. `extra_providers` override
    the defaults (tests swap one adapter this way). Uvicorn calls it in each worker process."""
    settings = settings or Settings.from_environment()
    return build_app(make_container(settings, *extra_providers), settings)
