"""What a seed run creates, decided without the database: from the request, what the database
already holds (`Found`) and a random seed, the users, projects, members and tags to add, and the
tasks and comments, drawn a batch at a time as they are stored."""

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from adapters.seed import factories
from adapters.seed.factories import (
    CommentFactory,
    MemberFactory,
    ProjectFactory,
    TagFactory,
    TaskFactory,
    UserFactory,
    build,
    rng,
)
from domain.comments import Comment
from domain.errors import ValidationFailed
from domain.projects import MemberRole, Project, ProjectMember, Tag
from domain.tasks import Task, TaskChanges, TaskStatus
from domain.users import User, UserRole, check_password

SEED_ADMIN_EMAIL = "seed-admin@example.com"
DEFAULT_SEED_PASSWORD = "seed-password"  # noqa: S105 (a documented demo password)
PROJECT_KEY_PREFIX = "SEED"
# Tasks per batch, and so per transaction.
BATCH_ROWS = 5_000

TAG_NAMES = (
    "bug", "feature", "frontend", "backend", "api", "database", "docs", "infra", "security",
    "performance", "ux", "design", "tech-debt", "testing", "ops", "mobile", "billing", "onboarding",
)  # fmt: skip
# The share of tasks in each status, and the changes that led there from `todo`.
STATUSES: dict[TaskStatus, tuple[int, tuple[TaskStatus, ...]]] = {
    TaskStatus.TODO: (30, ()),
    TaskStatus.IN_PROGRESS: (18, (TaskStatus.IN_PROGRESS,)),
    TaskStatus.BLOCKED: (6, (TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)),
    TaskStatus.DONE: (38, (TaskStatus.IN_PROGRESS, TaskStatus.DONE)),
    TaskStatus.CANCELLED: (8, (TaskStatus.CANCELLED,)),
}
_DELETED_USERS = 0.01
_DELETED_TASKS = 0.02
_DELETED_COMMENTS = 0.03
_EDITED_COMMENTS = 0.05
# New tasks are created after the team has gathered.
_TEAM_GATHERS = timedelta(days=14)


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


def check_request(request: SeedRequest) -> None:
    check_password(request.password)
    if request.tasks and not request.projects:
        raise ValidationFailed("tasks need at least one project", field="projects")
    if request.projects and not request.users:
        raise ValidationFailed("projects need at least one user to manage them", field="users")


def seed_emails(request: SeedRequest) -> list[str]:
    """The administrator's, then the members' in order."""
    return [SEED_ADMIN_EMAIL, *(seed_user_email(number) for number in range(1, request.users + 1))]


@dataclass(frozen=True, slots=True)
class FoundUser:
    id: UUID
    live: bool  # neither deleted nor deactivated, so one who may join new projects


@dataclass(frozen=True, slots=True)
class SeededProject:
    """A live seeded project, found in the database or planned: where new tasks may go."""

    id: UUID
    key: str
    created_at: datetime
    writers: Sequence[UUID]  # live managers and contributors: reporters, assignees, comment authors
    tag_ids: Sequence[UUID]
    task_count: int  # soft-deleted tasks included
    latest_task_at: datetime | None


@dataclass(frozen=True, slots=True)
class Found:
    users: Mapping[str, FoundUser]  # the seeded accounts, by email
    projects: Mapping[str, SeededProject]  # the live seeded projects, by key


@dataclass(frozen=True, slots=True)
class TaskBatch:
    """The tasks of one transaction, each project's in creation order and numbered 0 until its
    counter hands out their numbers, and their comments."""

    tasks: list[tuple[UUID, list[Task]]]  # by project id
    comments: list[Comment]


@dataclass(frozen=True, slots=True)
class Plan:
    users: list[User]
    projects: list[Project]
    members: list[ProjectMember]
    tags: list[Tag]
    report: SeedReport  # all but the comments, which are counted as the batches are drawn
    task_batches: Iterator[TaskBatch]  # drawn one by one, so a run never holds all its tasks


def make_plan(
    request: SeedRequest, found: Found, *, now: datetime, password_hash: str, random_seed: int | None = None
) -> Plan:
    """What to add so that the database holds what `request` asks for; the same plan for the same
    arguments and `random_seed` (None: a different one every time).

    Only one plan may be drawn at a time: all of them draw from the factories' one random source.
    """
    factories.reseed(random_seed, now)
    emails = seed_emails(request)
    users = [_user(email, password_hash, now) for email in emails if email not in found.users]
    live = {email: user.id for email, user in found.users.items() if user.live}
    live |= {user.email: user.id for user in users if not user.is_deleted}
    people = [live[email] for email in emails[1:] if email in live]

    keys = [seed_project_key(number) for number in range(1, request.projects + 1)]
    if any(key not in found.projects for key in keys) and not people:
        raise ValidationFailed("no live seeded user is left to manage new projects", field="users")
    projects: list[Project] = []
    members: list[ProjectMember] = []
    tags: list[Tag] = []
    seeded: list[SeededProject] = []
    for key in keys:
        existing = found.projects.get(key)
        if existing is not None:
            seeded.append(existing)
            continue
        project = _project(key, now)
        team = _team(project, people)
        project_tags = _tags(project)
        projects.append(project)
        members.extend(team)
        tags.extend(project_tags)
        seeded.append(
            SeededProject(
                id=project.id,
                key=key,
                created_at=project.created_at,
                writers=[member.user_id for member in team if member.role.can_write],
                tag_ids=[tag.id for tag in project_tags],
                task_count=0,
                latest_task_at=None,
            )
        )

    held = sum(target.task_count for target in seeded)
    wanted = max(0, request.tasks - held)
    if wanted:
        for target in seeded:
            if not target.writers:
                raise ValidationFailed(
                    f"project {target.key} has no active manager or contributor", field="projects"
                )
    report = SeedReport(
        users=len(emails),
        users_created=len(users),
        projects=len(keys),
        projects_created=len(projects),
        tasks=held + wanted,
        tasks_created=wanted,
    )
    batches = _task_batches(seeded, wanted, request.comments_per_task, now) if wanted else iter(())
    return Plan(users, projects, members, tags, report, batches)


def _user(email: str, password_hash: str, now: datetime) -> User:
    created = now - timedelta(days=rng.uniform(400, 730))
    user = build(
        UserFactory,
        email=email,
        password_hash=password_hash,
        role=UserRole.ADMIN if email == SEED_ADMIN_EMAIL else UserRole.MEMBER,
        created_at=created,
        updated_at=created,
    )
    # A few departed colleagues; never the admin or user 1, so someone can always sign in.
    if email not in (SEED_ADMIN_EMAIL, seed_user_email(1)) and rng.random() < _DELETED_USERS:
        user.delete(created + (now - created) * rng.random())
    return user


def _project(key: str, now: datetime) -> Project:
    created = now - timedelta(days=rng.uniform(30, 365))
    return build(ProjectFactory, key=key, created_at=created, updated_at=created)


def _team(project: Project, people: Sequence[UUID]) -> list[ProjectMember]:
    """The creator (a manager), sometimes a second manager, then contributors and viewers who joined later."""
    chosen = rng.sample(people, min(len(people), rng.randint(4, 16)))
    managers = 2 if len(chosen) >= 4 and rng.random() < 0.3 else 1
    team = []
    for position, user_id in enumerate(chosen):
        joined = project.created_at + timedelta(days=0 if position == 0 else rng.uniform(0, 14))
        role = {"role": MemberRole.MANAGER} if position < managers else {}
        team.append(
            build(
                MemberFactory,
                project_id=project.id,
                user_id=user_id,
                created_at=joined,
                updated_at=joined,
                **role,
            )
        )
    return team


def _tags(project: Project) -> list[Tag]:
    tags = []
    for name in rng.sample(TAG_NAMES, rng.randint(4, 8)):
        made = project.created_at + timedelta(days=rng.uniform(0, 7))
        tags.append(build(TagFactory, project_id=project.id, name=name, created_at=made, updated_at=made))
    return tags


def _tasks_from(project: SeededProject, now: datetime) -> datetime:
    """When the project's new tasks may start: once its team has gathered, and after its last task,
    so that numbers keep following creation times."""
    start = min(project.created_at + _TEAM_GATHERS, now)
    return start if project.latest_task_at is None else max(start, project.latest_task_at)


@dataclass(frozen=True, slots=True)
class _Piece:
    """`size` of the `total` tasks a project gets in this run, starting at the `offset`-th."""

    project: SeededProject
    offset: int
    size: int
    total: int


def _task_batches(
    projects: list[SeededProject], total: int, comments_per_task: int, now: datetime
) -> Iterator[TaskBatch]:
    tasks_from = {project.id: _tasks_from(project, now) for project in projects}
    for pieces in _batches(_spread(total, projects)):
        tasks: list[tuple[UUID, list[Task]]] = []
        comments: list[Comment] = []
        for piece in pieces:
            # Each piece gets its slice of the project's time span, so later numbers are newer tasks.
            begin = tasks_from[piece.project.id]
            span = now - begin
            start = begin + span * (piece.offset / piece.total)
            width = span * (piece.size / piece.total)
            moments = sorted(start + width * rng.random() for _ in range(piece.size))
            built = [_task(piece.project, created, now) for created in moments]
            for task in built:
                comments.extend(_comments(task, piece.project, comments_per_task, now))
            tasks.append((piece.project.id, built))
        yield TaskBatch(tasks, comments)


def _spread(total: int, projects: list[SeededProject]) -> list[tuple[SeededProject, int]]:
    """Split `total` over the projects unevenly, as real teams differ in size (a log-normal share)."""
    cumulative = list(itertools.accumulate(rng.lognormvariate(0, 0.8) for _ in projects))
    bounds = [0, *(round(total * weight / cumulative[-1]) for weight in cumulative)]
    return [(project, high - low) for project, low, high in zip(projects, bounds, bounds[1:], strict=False)]


def _batches(shares: list[tuple[SeededProject, int]]) -> Iterator[list[_Piece]]:
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


def _task(project: SeededProject, created: datetime, now: datetime) -> Task:
    due = None if rng.random() < 0.35 else (created + timedelta(days=rng.randint(1, 60))).date()
    tag_count = min(len(project.tag_ids), rng.choices((0, 1, 2, 3), weights=(30, 35, 25, 10))[0])
    task = build(
        TaskFactory,
        project_id=project.id,
        number=0,  # the project's counter hands out the number when the task is stored
        assignee_id=None if rng.random() < 0.15 else rng.choice(project.writers),
        reporter_id=rng.choice(project.writers),
        due_date=due,
        tag_ids=frozenset(rng.sample(project.tag_ids, tag_count)),
        created_at=created,
        updated_at=created,
    )
    # Walk the workflow with the domain's own rules: completed_at is set on `done` and only there.
    status = rng.choices(list(STATUSES), weights=[weight for weight, _ in STATUSES.values()])[0]
    steps = STATUSES[status][1]
    moments = sorted(created + (now - created) * rng.random() for _ in range(len(steps) + 1))
    for step, moment in zip(steps, moments, strict=False):
        task.apply(TaskChanges(status=step), moment)
    if rng.random() < _DELETED_TASKS:
        task.delete(moments[-1])
    return task


def _comments(task: Task, project: SeededProject, average: int, now: datetime) -> Iterator[Comment]:
    for _ in range(rng.randint(0, 2 * average)):
        written = task.created_at + (now - task.created_at) * rng.random()
        comment = build(
            CommentFactory,
            task_id=task.id,
            author_id=rng.choice(project.writers),
            created_at=written,
            updated_at=written,
        )
        if rng.random() < _EDITED_COMMENTS:
            comment.edit(factories.some_remark(), written + (now - written) * rng.random())
        if rng.random() < _DELETED_COMMENTS:
            comment.delete(comment.updated_at + (now - comment.updated_at) * rng.random())
        yield comment
