"""`taskboard seed`: demo data that keeps the rules the API relies on, on SQLite and PostgreSQL."""

import os
from collections import defaultdict
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import TypeVarTuple
from uuid import UUID

import pytest
from sqlalchemy import Row, select
from sqlalchemy.sql import Select

from adapters.cli import main
from adapters.composition import make_container
from adapters.persistence.sqlalchemy import migrations
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.persistence.sqlalchemy.models import (
    CommentModel,
    ProjectMemberModel,
    ProjectModel,
    TagModel,
    TaskModel,
    UserModel,
    task_tags,
)
from adapters.seed import SEED_ADMIN_EMAIL, SeedReport, SeedRequest, seed, seed_user_email
from application.users.authenticate import (
    Authenticate,
    AuthenticateCommand,
)
from domain.errors import AuthenticationFailed
from domain.projects import MemberRole, tag_name_key
from domain.tasks import Priority, TaskStatus, rank
from domain.unit_of_work import UnitOfWork
from domain.users import UserRole
from tests.conftest import create_postgres_database, drop_postgres_database, settings_for

SMALL = SeedRequest(users=20, projects=3, tasks=200)
Columns = TypeVarTuple("Columns")


async def _fresh_database(backend: str, folder: Path) -> str:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'seed.db'}"
    else:
        url = await create_postgres_database()
    await migrations.upgrade(url)
    return url


async def _drop(url: str) -> None:
    if url.startswith("postgresql"):
        await drop_postgres_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated database of the test's own, dropped afterwards."""
    url = await _fresh_database(request.param, tmp_path)
    yield url
    await _drop(url)


@dataclass(frozen=True)
class Seeded:
    url: str
    report: SeedReport


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Seeded]:
    """One small seeded database per backend, shared by the tests that only read it."""
    url = await _fresh_database(request.param, tmp_path_factory.mktemp("seed"))
    report = await seed(url, SMALL)
    yield Seeded(url, report)
    await _drop(url)


async def rows(url: str, statement: Select[*Columns]) -> list[Row[*Columns]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(statement)).all())
    finally:
        await engine.dispose()


async def count(url: str, statement: Select[*Columns]) -> int:
    return len(await rows(url, statement))


async def memberships(url: str) -> dict[UUID, dict[UUID, MemberRole]]:
    found: dict[UUID, dict[UUID, MemberRole]] = defaultdict(dict)
    statement = select(ProjectMemberModel.project_id, ProjectMemberModel.user_id, ProjectMemberModel.role)
    for project_id, user_id, role in await rows(url, statement):
        found[project_id][user_id] = role
    return found


def run_cli(*args: str) -> int:
    # main() runs its own event loop with asyncio.run, so it gets a thread away from the tests' loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(main, list(args)).result()


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Only the variables a test sets: nothing from the shell running the tests leaks in."""
    for name in list(os.environ):
        if name.startswith("TASKBOARD_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TASKBOARD_SECRET_KEY_FILE", str(tmp_path / "secret_key"))
    return monkeypatch


async def test_seed_makes_the_requested_users_projects_and_tasks(seeded: Seeded) -> None:
    users = await rows(seeded.url, select(UserModel.email, UserModel.role))
    projects = await rows(seeded.url, select(ProjectModel.key))
    comments = await count(seeded.url, select(CommentModel.id))

    assert sorted(email for email, _ in users) == sorted(
        [SEED_ADMIN_EMAIL, *(seed_user_email(number) for number in range(1, 21))]
    )
    assert [email for email, role in users if role is UserRole.ADMIN] == [SEED_ADMIN_EMAIL]
    assert sorted(key for (key,) in projects) == ["SEEDA", "SEEDB", "SEEDC"]
    assert await count(seeded.url, select(TaskModel.id)) == 200
    assert comments == seeded.report.comments_created
    assert comments > 0
    assert (seeded.report.users, seeded.report.projects, seeded.report.tasks) == (21, 3, 200)


async def test_assignees_are_members_and_reporters_and_authors_may_write(seeded: Seeded) -> None:
    teams = await memberships(seeded.url)
    tasks = await rows(
        seeded.url, select(TaskModel.id, TaskModel.project_id, TaskModel.assignee_id, TaskModel.reporter_id)
    )
    comments = await rows(seeded.url, select(CommentModel.task_id, CommentModel.author_id))
    project_of = {task.id: task.project_id for task in tasks}

    assert any(task.assignee_id is None for task in tasks)
    for task in tasks:
        team = teams[task.project_id]
        assert task.assignee_id is None or task.assignee_id in team
        assert team[task.reporter_id].can_write
    for task_id, author_id in comments:
        assert teams[project_of[task_id]][author_id].can_write


async def test_task_numbers_run_from_one_to_the_project_counter_in_creation_order(seeded: Seeded) -> None:
    projects = await rows(seeded.url, select(ProjectModel.id, ProjectModel.task_counter))
    tasks = await rows(
        seeded.url,
        select(TaskModel.project_id, TaskModel.number, TaskModel.created_at).order_by(TaskModel.number),
    )

    for project_id, counter in projects:
        own = [task for task in tasks if task.project_id == project_id]
        assert [task.number for task in own] == list(range(1, counter + 1))
        created = [task.created_at for task in own]
        assert created == sorted(created)
        assert all(moment.tzinfo is UTC for moment in created)


async def test_tasks_carry_their_folded_title_and_the_ranks_of_their_status_and_priority(
    seeded: Seeded,
) -> None:
    tasks = await rows(
        seeded.url,
        select(
            TaskModel.title,
            TaskModel.title_folded,
            TaskModel.status,
            TaskModel.status_rank,
            TaskModel.priority,
            TaskModel.priority_rank,
        ),
    )

    assert {task.status for task in tasks} == set(TaskStatus)
    assert {task.priority for task in tasks} == set(Priority)
    for task in tasks:
        assert task.title_folded == task.title.casefold()
        assert (task.status_rank, task.priority_rank) == (rank(task.status), rank(task.priority))


async def test_projects_and_tags_carry_their_folded_names(seeded: Seeded) -> None:
    projects = await rows(seeded.url, select(ProjectModel.name, ProjectModel.name_folded))
    tags = await rows(seeded.url, select(TagModel.name, TagModel.name_key))

    assert all(project.name_folded == project.name.casefold() for project in projects)
    assert tags
    assert all(tag.name_key == tag_name_key(tag.name) for tag in tags)


async def test_the_same_random_seed_makes_the_same_data(tmp_path: Path) -> None:
    folders = [tmp_path / "first", tmp_path / "again"]
    for folder in folders:
        folder.mkdir()
    urls = [await _fresh_database("sqlite", folder) for folder in folders]
    for url in urls:
        await seed(url, SMALL, random_seed=3)
    # Ids and times are drawn from the moment of the run; the rest is the same.
    statement = select(
        ProjectModel.key, TaskModel.number, TaskModel.title, TaskModel.status, TaskModel.priority
    ).join(ProjectModel)
    first, again = [sorted(await rows(url, statement)) for url in urls]

    assert first == again
    assert len(first) == 200


async def test_tasks_carry_up_to_three_tags_of_their_own_project(seeded: Seeded) -> None:
    links = await rows(
        seeded.url,
        select(task_tags.c.task_id, TagModel.project_id, TaskModel.project_id.label("task_project"))
        .join(TagModel, TagModel.id == task_tags.c.tag_id)
        .join(TaskModel, TaskModel.id == task_tags.c.task_id),
    )
    tags_per_task: dict[UUID, int] = defaultdict(int)
    for link in links:
        assert link.project_id == link.task_project
        tags_per_task[link.task_id] += 1

    assert links
    assert max(tags_per_task.values()) <= 3


async def test_a_rerun_with_the_same_arguments_adds_nothing(database_url: str) -> None:
    await seed(database_url, SMALL)

    again = await seed(database_url, SMALL)

    assert again == SeedReport(users=21, projects=3, tasks=200)  # and nothing created
    assert await count(database_url, select(UserModel.id)) == 21
    assert await count(database_url, select(ProjectModel.id)) == 3
    assert await count(database_url, select(TaskModel.id)) == 200


async def test_a_rerun_with_more_tasks_tops_up_and_continues_the_numbering(database_url: str) -> None:
    await seed(database_url, SMALL)

    more = await seed(database_url, SeedRequest(users=20, projects=4, tasks=300))

    assert (more.projects_created, more.tasks_created, more.tasks) == (1, 100, 300)
    projects = await rows(database_url, select(ProjectModel.id, ProjectModel.task_counter))
    numbers: dict[UUID, list[int]] = defaultdict(list)
    for project_id, number in await rows(
        database_url, select(TaskModel.project_id, TaskModel.number).order_by(TaskModel.number)
    ):
        numbers[project_id].append(number)
    assert sum(counter for _, counter in projects) == 300
    for project_id, counter in projects:
        assert numbers[project_id] == list(range(1, counter + 1))


async def test_the_seeded_admin_signs_in_with_the_seed_password(
    database_url: str, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("TASKBOARD_DATABASE_URL", database_url)

    assert (
        run_cli("seed", "--users", "20", "--projects", "3", "--tasks", "200", "--password", "demo-pass") == 0
    )

    assert "tasks: 200 in the seeded projects (200 new)" in capsys.readouterr().out
    container = make_container(settings_for(database_url))
    try:
        async with container() as request:
            authenticate = await request.get(Authenticate)
            token = await authenticate.execute(
                AuthenticateCommand(email=SEED_ADMIN_EMAIL, password="demo-pass")
            )
            with pytest.raises(AuthenticationFailed):
                await authenticate.execute(
                    AuthenticateCommand(email=SEED_ADMIN_EMAIL, password="seed-password")
                )
        (admin_id,) = (
            await rows(database_url, select(UserModel.id).where(UserModel.email == SEED_ADMIN_EMAIL))
        )[0]
        async with container() as request:
            uow = await request.get(UnitOfWork)
            async with uow.read_only():
                standing = await uow.users.find_standing(admin_id)
    finally:
        await container.close()
    assert token.access_token
    assert standing is not None
    assert standing.actor.role is UserRole.ADMIN


def test_seed_refuses_the_memory_database(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("TASKBOARD_DATABASE_URL", "memory://")

    assert run_cli("seed") == 1

    assert "vanish" in capsys.readouterr().err


def test_seed_refuses_an_unmigrated_database(
    environment: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("TASKBOARD_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")

    assert run_cli("seed") == 1

    assert "run `taskboard db upgrade`" in capsys.readouterr().err
