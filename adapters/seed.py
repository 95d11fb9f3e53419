"""`taskboard seed`: believable demo data in a SQL database, fast enough to fill one for benchmarks.

A run makes (or finds) these, all recognisable by name:
- users `seed-user-00001@example.com` ... and the administrator `seed-admin@example.com`; every
  account the run creates gets the one password given (default "seed-password"), hashed once;
- projects keyed `SEEDA`, `SEEDB`, ..., `SEEDZ`, `SEEDAA`, ..., each with one or two managers,
  contributors and viewers drawn from the seeded users, and four to eight tags;
- tasks spread unevenly over those projects, numbered through each project's task counter, with
  workflow-consistent statuses, tags, and comments by the project's managers and contributors.

Rerunning is safe: users and projects that already exist (by email, by live project key) are reused
as they are and only missing ones are added; tasks are topped up until the seeded projects hold the
requested number (soft-deleted ones included). Nothing existing is changed or removed.

Rows go in through SQLAlchemy Core, thousands per statement, one transaction per batch of tasks.
"""

import functools
import itertools
import operator
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TextIO, TypeVar
from uuid import UUID

from polyfactory import Use
from polyfactory.factories import DataclassFactory
from polyfactory.factories.base import BaseFactory
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.clock import UtcClock
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.mappers import TASK_DERIVED_COLUMNS
from adapters.persistence.sqlalchemy.models import (
    Base,
    CommentModel,
    ProjectMemberModel,
    ProjectModel,
    TagModel,
    TaskModel,
    UserModel,
    task_tags,
)
from adapters.security.passwords import Argon2PasswordHasher
from domain.comments import Comment
from domain.errors import ValidationFailed
from domain.ids import new_id
from domain.projects import MemberRole, Project, ProjectMember, Tag
from domain.tasks import Priority, Task, TaskChanges, TaskStatus
from domain.users import User, UserRole, check_password

SEED_ADMIN_EMAIL = "seed-admin@example.com"
DEFAULT_SEED_PASSWORD = "seed-password"  # noqa: S105 (a documented demo password)
PROJECT_KEY_PREFIX = "SEED"
# Rows per INSERT (an executemany) and tasks per transaction.
BATCH_ROWS = 5_000

# Demo data needs variety, not unpredictability.
_random = random.Random()  # noqa: S311

_TAG_NAMES = (
    "bug", "feature", "frontend", "backend", "api", "database", "docs", "infra", "security",
    "performance", "ux", "design", "tech-debt", "testing", "ops", "mobile", "billing", "onboarding",
)  # fmt: skip
# The share of tasks in each status, and the changes that led there from `todo`.
_STATUSES: dict[TaskStatus, tuple[int, tuple[TaskStatus, ...]]] = {
    TaskStatus.TODO: (30, ()),
    TaskStatus.IN_PROGRESS: (18, (TaskStatus.IN_PROGRESS,)),
    TaskStatus.BLOCKED: (6, (TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)),
    TaskStatus.DONE: (38, (TaskStatus.IN_PROGRESS, TaskStatus.DONE)),
    TaskStatus.CANCELLED: (8, (TaskStatus.CANCELLED,)),
}
_PRIORITIES = {Priority.LOW: 25, Priority.MEDIUM: 45, Priority.HIGH: 22, Priority.URGENT: 8}
_DELETED_USERS = 0.01
_DELETED_TASKS = 0.02
_DELETED_COMMENTS = 0.03
_EDITED_COMMENTS = 0.05


def seed_user_email(number: int) -> str:
    return f"seed-user-{number:05d}@example.com"


def seed_project_key(number: int) -> str:
    """1 -> SEEDA, 26 -> SEEDZ, 27 -> SEEDAA: letters only, as project keys must be."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return PROJECT_KEY_PREFIX + letters


@dataclass(frozen=True, slots=True)
class SeedRequest:
    users: int
    projects: int
    tasks: int
    comments_per_task: int = 2  # on average: each new task gets 0 to twice this many
    password: str = field(default=DEFAULT_SEED_PASSWORD, repr=False)


@dataclass(slots=True)
class SeedReport:
    users: int = 0
    users_created: int = 0
    projects: int = 0
    projects_created: int = 0
    tasks: int = 0
    tasks_created: int = 0
    comments_created: int = 0


class ProgressBar:
    """A bar redrawn in place on a terminal (at most ten times a second); elsewhere one final line."""

    WIDTH = 30

    def __init__(self, label: str, total: int, stream: TextIO | None) -> None:
        self._label, self._total, self._stream = label, total, stream
        self._live = stream is not None and stream.isatty()
        self._done = 0
        self._started = self._drawn = time.monotonic()
        if self._live:
            self._draw("\r")

    def advance(self, amount: int) -> None:
        self._done += amount
        if self._live and time.monotonic() - self._drawn >= 0.1:
            self._draw("\r")

    def finish(self) -> None:
        self._draw("\r" if self._live else "")
        if self._stream is not None:
            self._stream.write("\n")

    def _draw(self, start: str) -> None:
        if self._stream is None:
            return
        self._drawn = time.monotonic()
        fraction = self._done / self._total if self._total else 1.0
        filled = round(fraction * self.WIDTH)
        rate = self._done / max(self._drawn - self._started, 1e-6)
        self._stream.write(
            f"{start}{self._label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
            f"{self._done:,}/{self._total:,} {fraction:4.0%} {rate:,.0f}/s"
        )
        self._stream.flush()


# --- factories of the domain entities -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Texts:
    """Faker text drawn once: generating a fresh paragraph per row would take most of a run."""

    project_names: tuple[str, ...]
    titles: tuple[str, ...]
    descriptions: tuple[str, ...]
    remarks: tuple[str, ...]


@functools.cache
def _texts() -> _Texts:
    faker = DataclassFactory.__faker__
    return _Texts(
        project_names=tuple(faker.catch_phrase() for _ in range(500)),
        titles=tuple(faker.sentence(nb_words=_random.randint(3, 9)).rstrip(".") for _ in range(3000)),
        descriptions=tuple(
            "\n\n".join(
                faker.paragraph(nb_sentences=_random.randint(2, 6)) for _ in range(_random.randint(1, 3))
            )
            for _ in range(1000)
        ),
        remarks=tuple(faker.paragraph(nb_sentences=_random.randint(1, 4)) for _ in range(1500)),
    )


def _pick(options: Sequence[str]) -> str:
    return options[_random.randrange(len(options))]


T = TypeVar("T")

# Typed as the factory it is mixed into; at run time only a Generic, as polyfactory registers every
# factory subclass without a model as a base factory for all dataclasses.
if TYPE_CHECKING:
    _FactoryBase = DataclassFactory
else:
    _FactoryBase = Generic


class _QuickBuild(_FactoryBase[T]):
    """A faster build for factories that declare only constants and `Use` values.

    polyfactory's own loop inspects every field on every build (type hints, nested factories,
    Ignore, Require, PostGenerated): about 0.1-0.5 ms an entity, minutes for 100,000 tasks and
    their comments. These factories nest nothing, so their declarations are looked up once; a build
    that leaves a field neither declared nor passed still goes the whole way through polyfactory.
    """

    _declared: ClassVar[dict[str, Any]]
    _field_count: ClassVar[int]

    @classmethod
    def process_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        if "_declared" not in cls.__dict__:
            names = [field.name for field in cls.get_model_fields()]
            cls._declared = {
                name: getattr(cls, name)
                for name in names
                if hasattr(cls, name) and not hasattr(BaseFactory, name)
            }
            cls._field_count = len(names)
        values = {
            name: value.to_value() if isinstance(value, Use) else value
            for name, value in cls._declared.items()
            if name not in kwargs
        }
        values.update(kwargs)
        if len(values) < cls._field_count:
            return super().process_kwargs(**kwargs)
        return values


class SeedUserFactory(_QuickBuild[User], DataclassFactory[User]):
    id = Use(new_id)
    full_name = Use(lambda: DataclassFactory.__faker__.name())
    role = UserRole.MEMBER
    is_active = True
    is_deleted = False
    version = 1


class SeedProjectFactory(_QuickBuild[Project], DataclassFactory[Project]):
    id = Use(new_id)
    name = Use(lambda: _pick(_texts().project_names))
    description = Use(lambda: _pick(_texts().descriptions))
    is_deleted = False
    version = 1


class SeedMemberFactory(_QuickBuild[ProjectMember], DataclassFactory[ProjectMember]):
    role = Use(lambda: MemberRole.CONTRIBUTOR if _random.random() < 0.7 else MemberRole.VIEWER)


class SeedTagFactory(_QuickBuild[Tag], DataclassFactory[Tag]):
    id = Use(new_id)
    color = Use(lambda: f"#{_random.randrange(0x1000000):06x}")


class SeedTaskFactory(_QuickBuild[Task], DataclassFactory[Task]):
    """A task as created (status todo); the seeder then walks it through the workflow."""

    id = Use(new_id)
    title = Use(lambda: _pick(_texts().titles))
    description = Use(lambda: "" if _random.random() < 0.15 else _pick(_texts().descriptions))
    status = TaskStatus.TODO
    priority = Use(lambda: _random.choices(list(_PRIORITIES), weights=list(_PRIORITIES.values()))[0])
    completed_at = None
    is_deleted = False
    version = 1


class SeedCommentFactory(_QuickBuild[Comment], DataclassFactory[Comment]):
    id = Use(new_id)
    body = Use(lambda: _pick(_texts().remarks))
    is_deleted = False
    version = 1


# --- seeding ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _SeededProject:
    id: UUID
    key: str
    tasks_from: datetime  # new tasks are created after the team has gathered
    writers: list[UUID]  # managers and contributors: reporters, assignees and comment authors
    tag_ids: list[UUID]
    task_count: int  # tasks it holds already, soft-deleted ones included


async def seed(database_url: str, request: SeedRequest, progress: TextIO | None = None) -> SeedReport:
    """Fill the (migrated) database at `database_url` as the module docstring describes."""
    check_password(request.password)
    if request.tasks and not request.projects:
        raise ValidationFailed("tasks need at least one project", field="projects")
    if request.projects and not request.users:
        raise ValidationFailed("projects need at least one user to manage them", field="users")
    report = SeedReport()
    now = UtcClock().now()
    engine = create_engine(database_url)
    try:
        people = await _seed_users(engine, request, now, report)
        projects = await _seed_projects(engine, request.projects, people, now, report)
        await _seed_tasks(engine, request, projects, now, report, progress)
    finally:
        await engine.dispose()
    return report


async def _seed_users(
    engine: AsyncEngine, request: SeedRequest, now: datetime, report: SeedReport
) -> list[UUID]:
    """Create the missing seeded users; return the live members among the requested ones."""
    wanted = [SEED_ADMIN_EMAIL, *(seed_user_email(number) for number in range(1, request.users + 1))]
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(UserModel.email, UserModel.id, UserModel.is_deleted, UserModel.is_active)
                .where(UserModel.email.like("seed-%@example.com"))
                .order_by(UserModel.is_deleted.desc())  # live rows last, so they win below
            )
        ).all()
    found = {row.email: row for row in rows}
    missing = [email for email in wanted if email not in found]
    users: list[User] = []
    if missing:
        # Hashed once for all of them: argon2id takes tens of milliseconds by design.
        password_hash = await Argon2PasswordHasher().hash(request.password)
        for email in missing:
            created = now - timedelta(days=_random.uniform(400, 730))
            user = SeedUserFactory.build(
                email=email,
                password_hash=password_hash,
                role=UserRole.ADMIN if email == SEED_ADMIN_EMAIL else UserRole.MEMBER,
                created_at=created,
                updated_at=created,
            )
            # A few departed colleagues; never the admin or user 1, so someone can always sign in.
            if email not in (SEED_ADMIN_EMAIL, seed_user_email(1)) and _random.random() < _DELETED_USERS:
                user.delete(created + (now - created) * _random.random())
            users.append(user)
        async with engine.begin() as connection:
            await _insert(connection, UserModel, _rows(UserModel, users))
    report.users, report.users_created = len(wanted), len(users)
    live = {row.email: row.id for row in rows if not row.is_deleted and row.is_active}
    live |= {user.email: user.id for user in users if not user.is_deleted}
    return [live[email] for email in wanted[1:] if email in live]


async def _seed_projects(
    engine: AsyncEngine, count: int, people: list[UUID], now: datetime, report: SeedReport
) -> list[_SeededProject]:
    keys = [seed_project_key(number) for number in range(1, count + 1)]
    existing = await _existing_projects(engine, set(keys), now)
    if len(existing) < len(keys) and not people:
        raise ValidationFailed("no live seeded user is left to manage new projects", field="users")
    projects: list[Project] = []
    members: list[ProjectMember] = []
    tags: list[Tag] = []
    seeded: dict[str, _SeededProject] = {}
    for key in keys:
        if key in existing:
            continue
        created = now - timedelta(days=_random.uniform(30, 365))
        project = SeedProjectFactory.build(key=key, created_at=created, updated_at=created)
        team = _team(project, people)
        project_tags = [
            SeedTagFactory.build(project_id=project.id, name=name, created_at=made, updated_at=made)
            for name in _random.sample(_TAG_NAMES, _random.randint(4, 8))
            for made in [created + timedelta(days=_random.uniform(0, 7))]
        ]
        projects.append(project)
        members.extend(team)
        tags.extend(project_tags)
        seeded[key] = _SeededProject(
            id=project.id,
            key=key,
            tasks_from=created + timedelta(days=14),
            writers=[member.user_id for member in team if member.role.can_write],
            tag_ids=[tag.id for tag in project_tags],
            task_count=0,
        )
    if projects:
        async with engine.begin() as connection:
            project_rows = _rows(
                ProjectModel,
                projects,
                name_folded=lambda project: project.name.casefold(),
                task_counter=lambda _: 0,
            )
            await _insert(connection, ProjectModel, project_rows)
            await _insert(connection, ProjectMemberModel, _rows(ProjectMemberModel, members))
            await _insert(connection, TagModel, _rows(TagModel, tags))
    report.projects, report.projects_created = len(keys), len(projects)
    return [existing.get(key) or seeded[key] for key in keys]


def _team(project: Project, people: list[UUID]) -> list[ProjectMember]:
    """The creator (a manager), sometimes a second manager, then contributors and viewers who joined later."""
    chosen = _random.sample(people, min(len(people), _random.randint(4, 16)))
    managers = 2 if len(chosen) >= 4 and _random.random() < 0.3 else 1
    team = []
    for position, user_id in enumerate(chosen):
        joined = project.created_at + timedelta(days=0 if position == 0 else _random.uniform(0, 14))
        role = {"role": MemberRole.MANAGER} if position < managers else {}
        team.append(
            SeedMemberFactory.build(
                project_id=project.id, user_id=user_id, created_at=joined, updated_at=joined, **role
            )
        )
    return team


async def _existing_projects(engine: AsyncEngine, keys: set[str], now: datetime) -> dict[str, _SeededProject]:
    """The live seeded projects among `keys`, with their writers, tags and how many tasks they hold."""
    live_seeded = ProjectModel.key.like(f"{PROJECT_KEY_PREFIX}%") & ~ProjectModel.is_deleted
    async with engine.connect() as connection:
        project_rows = (
            await connection.execute(
                select(ProjectModel.id, ProjectModel.key, ProjectModel.created_at).where(live_seeded)
            )
        ).all()
        writer_rows = (
            await connection.execute(
                select(ProjectMemberModel.project_id, ProjectMemberModel.user_id)
                .join(ProjectModel)
                .join(UserModel)
                .where(
                    live_seeded,
                    ProjectMemberModel.role.in_([MemberRole.MANAGER, MemberRole.CONTRIBUTOR]),
                    ~UserModel.is_deleted,
                    UserModel.is_active,
                )
                .order_by(ProjectMemberModel.user_id)
            )
        ).all()
        tag_rows = (
            await connection.execute(
                select(TagModel.project_id, TagModel.id).join(ProjectModel).where(live_seeded)
            )
        ).all()
        count_rows = (
            await connection.execute(
                select(TaskModel.project_id, func.count(), func.max(TaskModel.created_at))
                .join(ProjectModel)
                .where(live_seeded)
                .group_by(TaskModel.project_id)
            )
        ).all()
    found = {
        row.id: _SeededProject(
            id=row.id,
            key=row.key,
            tasks_from=min(row.created_at + timedelta(days=14), now),
            writers=[],
            tag_ids=[],
            task_count=0,
        )
        for row in project_rows
        if row.key in keys
    }
    for project_id, user_id in writer_rows:
        if project_id in found:
            found[project_id].writers.append(user_id)
    for project_id, tag_id in tag_rows:
        if project_id in found:
            found[project_id].tag_ids.append(tag_id)
    for project_id, tasks, latest in count_rows:
        if project_id in found:
            project = found[project_id]
            # New tasks come after the ones there, so numbers keep following creation times.
            project.task_count, project.tasks_from = tasks, max(project.tasks_from, latest)
    return {project.key: project for project in found.values()}


async def _seed_tasks(
    engine: AsyncEngine,
    request: SeedRequest,
    projects: list[_SeededProject],
    now: datetime,
    report: SeedReport,
    stream: TextIO | None,
) -> None:
    held = sum(project.task_count for project in projects)
    wanted = max(0, request.tasks - held)
    report.tasks, report.tasks_created = held + wanted, wanted
    if not wanted:
        return
    for project in projects:
        if not project.writers:
            raise ValidationFailed(
                f"project {project.key} has no active manager or contributor", field="projects"
            )
    progress = ProgressBar("tasks", wanted, stream)
    for pieces in _batches(_spread(wanted, projects)):
        batch = _build_batch(pieces, comments_per_task=request.comments_per_task, now=now)
        await _store_batch(engine, batch)
        report.comments_created += len(batch.comments)
        progress.advance(sum(len(tasks) for _, tasks in batch.pieces))
    progress.finish()


@dataclass(frozen=True, slots=True)
class _Piece:
    """`size` of the `total` tasks a project gets in this run, starting at the `offset`-th."""

    project: _SeededProject
    offset: int
    size: int
    total: int


@dataclass(frozen=True, slots=True)
class _Batch:
    pieces: list[tuple[_SeededProject, list[Task]]]  # tasks in creation order, not numbered yet
    comments: list[Comment]


def _spread(total: int, projects: list[_SeededProject]) -> list[tuple[_SeededProject, int]]:
    """Split `total` over the projects unevenly, as real teams differ in size (a log-normal share)."""
    cumulative = list(itertools.accumulate(_random.lognormvariate(0, 0.8) for _ in projects))
    bounds = [0, *(round(total * weight / cumulative[-1]) for weight in cumulative)]
    return [(project, high - low) for project, low, high in zip(projects, bounds, bounds[1:], strict=False)]


def _batches(shares: list[tuple[_SeededProject, int]]) -> Iterator[list[_Piece]]:
    """Groups of pieces of BATCH_ROWS tasks in all, the last group smaller."""
    batch: list[_Piece] = []
    room = BATCH_ROWS
    for project, total in shares:
        offset = 0
        while offset < total:
            size = min(total - offset, room)
            batch.append(_Piece(project, offset, size, total))
            offset, room = offset + size, room - size
            if not room:
                yield batch
                batch, room = [], BATCH_ROWS
    if batch:
        yield batch


def _build_batch(pieces: list[_Piece], *, comments_per_task: int, now: datetime) -> _Batch:
    built: list[tuple[_SeededProject, list[Task]]] = []
    comments: list[Comment] = []
    for piece in pieces:
        # Each piece gets its slice of the project's time span, so later numbers are newer tasks.
        span = now - piece.project.tasks_from
        start = piece.project.tasks_from + span * (piece.offset / piece.total)
        width = span * (piece.size / piece.total)
        moments = sorted(start + width * _random.random() for _ in range(piece.size))
        tasks = [_task(piece.project, created, now) for created in moments]
        for task in tasks:
            comments.extend(_comments(task, piece.project, comments_per_task, now))
        built.append((piece.project, tasks))
    return _Batch(built, comments)


async def _store_batch(engine: AsyncEngine, batch: _Batch) -> None:
    async with engine.begin() as connection:
        for project, tasks in batch.pieces:
            # Numbers come from the project's counter, as the API's creates do, so they continue after.
            last = (
                await connection.execute(
                    update(ProjectModel)
                    .where(ProjectModel.id == project.id)
                    .values(task_counter=ProjectModel.task_counter + len(tasks))
                    .returning(ProjectModel.task_counter)
                )
            ).scalar_one()
            for number, task in enumerate(tasks, start=last - len(tasks) + 1):
                task.number = number
        every_task = [task for _, tasks in batch.pieces for task in tasks]
        # The folded title and the ranks come from the mapper's rules, as for tasks the API stores.
        task_rows = _rows(TaskModel, every_task, **TASK_DERIVED_COLUMNS)
        await _insert(connection, TaskModel, task_rows)
        tag_rows = [{"task_id": task.id, "tag_id": tag_id} for task in every_task for tag_id in task.tag_ids]
        await _insert(connection, task_tags, tag_rows)
        await _insert(connection, CommentModel, _rows(CommentModel, batch.comments))


def _task(project: _SeededProject, created: datetime, now: datetime) -> Task:
    due = None if _random.random() < 0.35 else (created + timedelta(days=_random.randint(1, 60))).date()
    tag_count = min(len(project.tag_ids), _random.choices((0, 1, 2, 3), weights=(30, 35, 25, 10))[0])
    task = SeedTaskFactory.build(
        project_id=project.id,
        number=0,  # the project's counter hands out the number when the task is stored
        assignee_id=None if _random.random() < 0.15 else _random.choice(project.writers),
        reporter_id=_random.choice(project.writers),
        due_date=due,
        tag_ids=frozenset(_random.sample(project.tag_ids, tag_count)),
        created_at=created,
        updated_at=created,
    )
    # Walk the workflow with the domain's own rules: completed_at is set on `done` and only there.
    status = _random.choices(list(_STATUSES), weights=[weight for weight, _ in _STATUSES.values()])[0]
    steps = _STATUSES[status][1]
    moments = sorted(created + (now - created) * _random.random() for _ in range(len(steps) + 1))
    for step, moment in zip(steps, moments, strict=False):
        task.apply(TaskChanges(status=step), moment)
    if _random.random() < _DELETED_TASKS:
        task.delete(moments[-1])
    return task


def _comments(task: Task, project: _SeededProject, average: int, now: datetime) -> Iterator[Comment]:
    for _ in range(_random.randint(0, 2 * average)):
        written = task.created_at + (now - task.created_at) * _random.random()
        comment = SeedCommentFactory.build(
            task_id=task.id, author_id=_random.choice(project.writers), created_at=written, updated_at=written
        )
        if _random.random() < _EDITED_COMMENTS:
            comment.edit(_pick(_texts().remarks), written + (now - written) * _random.random())
        if _random.random() < _DELETED_COMMENTS:
            comment.delete(comment.updated_at + (now - comment.updated_at) * _random.random())
        yield comment


async def _insert(connection: AsyncConnection, table: type[Base] | Table, rows: list[dict[str, Any]]) -> None:
    """Bulk rows into the model's table, in the connection's transaction (no ORM unit of work).

    PostgreSQL takes them through COPY, several times faster than INSERT for loads this size; SQLite
    through Core INSERTs, BATCH_ROWS rows per executemany.
    """
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        columns = list(rows[0])
        raw = await connection.get_raw_connection()
        # The values are already what the columns hold: UUIDs, aware UTC datetimes, and StrEnum
        # members, which are their own string values.
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name if isinstance(table, Table) else table.__tablename__,
            columns=columns,
            records=[tuple(row[column] for column in columns) for row in rows],
        )
        return
    for start in range(0, len(rows), BATCH_ROWS):
        await connection.execute(insert(table), rows[start : start + BATCH_ROWS])


def _rows(
    model: type[Base], entities: Sequence[object], **derived: Callable[[Any], Any]
) -> list[dict[str, Any]]:
    """Column values read off the entities by name, as the mappers copy them, without the cost of
    ORM objects; `derived` computes the columns an entity has no attribute for. A new column the
    entity lacks fails here with an AttributeError rather than going in empty."""
    names = [column.name for column in model.__table__.columns if column.name not in derived]
    read = operator.attrgetter(*names)
    return [
        dict(zip(names, read(entity), strict=True)) | {name: make(entity) for name, make in derived.items()}
        for entity in entities
    ]
