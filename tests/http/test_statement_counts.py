"""Requests cost a fixed number of SQL statements, whatever the page size: no N+1 queries.

Each test counts the statements one request sends to the app's own engine, as PostgreSQL's
pg_stat_statements counts them: transaction control (BEGIN, COMMIT, ROLLBACK) included. It does so
for a page of 1 and a page of 100 (lists: and a page after a cursor, which costs the same as one
at an offset), and names the number: a change that adds a query per row, or
one more query or transaction per request, fails here and has to update the number on purpose.
Every request also checks out exactly one connection and runs exactly one transaction, which
begins with the caller's sign-in check: the same counts on SQLite and PostgreSQL.
"""

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import date, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from application.ports import Clock
from domain.comments import Comment
from domain.ids import new_id
from domain.projects import MemberRole, Project, ProjectMember, Tag
from domain.tasks import Priority, Task
from domain.unit_of_work import UnitOfWork
from tests.factories_work import unique_project_key
from tests.http.conftest import Account, container_of, on_both_databases
from tests.http.tracker import (
    PROJECTS,
    TASKS,
    Team,
    add_comment,
    create_tag,
    create_task,
    ids,
    make_team,
)

# Statements per request: BEGIN, the caller's sign-in check (the user row), what the use case
# reads and writes, COMMIT.
#
# GET /tasks: count, page (project, assignee and reporter joined, comment counts), tags of the page.
TASK_LIST_STATEMENTS = 6
# GET /tasks/{id}: summary (project, assignee and reporter joined, comment count), its tags, the
# project with the caller's role, the latest 20 comments with their authors.
TASK_READ_STATEMENTS = 7
# GET /projects: count, page.
PROJECT_LIST_STATEMENTS = 5
# GET /tasks/{id}/comments: the task with its tags joined, the project with the caller's role, count,
# page with the authors joined.
COMMENT_LIST_STATEMENTS = 7
# PATCH /tasks/{id} changing status, priority and title: the task with its tags joined, the project
# with the caller's role, the versioned UPDATE, the event's INSERT into the outbox, then the summary
# as the list reads it (summary with its comment count, tags).
TASK_UPDATE_STATEMENTS = 9


@pytest.fixture
async def team(app: Litestar, api: httpx.AsyncClient) -> Team:
    return await make_team(app, api)


@pytest.fixture
async def engine(app: Litestar) -> AsyncEngine:
    return await container_of(app).get(AsyncEngine)


class Recording(list[str]):
    """The statements sent, in order, and how many connections were checked out meanwhile."""

    checkouts = 0


@contextmanager
def recording(engine: AsyncEngine) -> Iterator[Recording]:
    """Every statement the engine sends while the block runs, transaction control included.

    SQLite's BEGIN is a statement of ours (the engine's begin hook); asyncpg sends PostgreSQL's
    from the driver, so that one is recorded from SQLAlchemy's begin event. COMMIT and ROLLBACK
    are driver calls on both.
    """
    statements = Recording()

    def on_statement(
        _connection: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool
    ) -> None:
        statements.append(statement)

    def on_begin(connection: Any) -> None:
        if connection.dialect.name == "postgresql":
            options = connection.get_execution_options()
            access = "READ ONLY" if options.get("postgresql_readonly") else "READ WRITE"
            statements.append(f"BEGIN ISOLATION LEVEL {options.get('isolation_level')} {access}")

    def on_commit(_connection: Any) -> None:
        statements.append("COMMIT")

    def on_rollback(_connection: Any) -> None:
        statements.append("ROLLBACK")

    def on_checkout(*_args: Any) -> None:
        statements.checkouts += 1

    listeners: list[tuple[Any, str, Callable[..., None]]] = [
        (engine.sync_engine, "before_cursor_execute", on_statement),
        (engine.sync_engine, "begin", on_begin),
        (engine.sync_engine, "commit", on_commit),
        (engine.sync_engine, "rollback", on_rollback),
        (engine.sync_engine.pool, "checkout", on_checkout),
    ]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield statements
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)


async def statements_for(
    api: httpx.AsyncClient, engine: AsyncEngine, account: Account, url: str, **params: Any
) -> tuple[dict[str, Any], Recording]:
    with recording(engine) as statements:
        response = await api.get(url, params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    assert_one_transaction(statements, read_only=True)
    body: dict[str, Any] = response.json()
    return body, statements


def assert_one_transaction(statements: Recording, *, read_only: bool) -> None:
    """One connection, one transaction from the first statement to the last, the caller check first."""
    listing = "\n\n".join(statements)
    assert statements.checkouts == 1, listing
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == [statements[0]], listing
    assert statements[-1] == "COMMIT", listing
    assert "ROLLBACK" not in statements, listing
    assert "FROM users" in statements[1], listing
    assert "users.id =" in statements[1], listing
    if read_only:
        assert begins[0] in ("BEGIN", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"), listing
    else:
        assert begins[0] in ("BEGIN IMMEDIATE", "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE"), listing


def assert_same_count(expected: int, small: list[str], large: list[str]) -> None:
    listing = "\n\n".join(large)
    assert len(small) == len(large), f"page of 1: {len(small)}, page of 100: {len(large)}\n{listing}"
    assert len(large) == expected, listing


@asynccontextmanager
async def one_unit_of_work(app: Litestar) -> AsyncIterator[tuple[UnitOfWork, datetime]]:
    """The app's own repositories in one transaction, to store what a test then reads over HTTP:
    quicker than a request per row, and the rows are the same."""
    async with container_of(app)() as request_container:
        uow = await request_container.get(UnitOfWork)
        now = (await request_container.get(Clock)).now()
        async with uow:
            yield uow, now


async def seed_tasks(app: Litestar, team: Team, count: int) -> None:
    """Tasks with two or three tags, alternating assignees and reporters, one comment each."""
    project_id = UUID(team.project_id)
    people = [team.manager.id, team.contributor.id]
    async with one_unit_of_work(app) as (uow, now):
        tags = [
            Tag.create(id=new_id(), project_id=project_id, name=name, color="#808080", now=now)
            for name in ("api", "db", "ui")
        ]
        for tag in tags:
            await uow.tags.create(tag)
        for n in range(count):
            task = Task.create(
                id=new_id(),
                project_id=project_id,
                number=await uow.projects.next_task_number(project_id),
                title=f"Task {n}",
                description="",
                priority=list(Priority)[n % len(Priority)],
                assignee_id=people[(n + 1) % 2],
                reporter_id=people[n % 2],
                due_date=date(2030, 1, n % 28 + 1),
                tag_ids=frozenset(tag.id for tag in tags[n % 2 :]),
                now=now,
            )
            await uow.tasks.create(task)
            await uow.comments.create(
                Comment.create(
                    id=new_id(), task_id=task.id, author_id=people[n % 2], body=f"Comment on {n}", now=now
                )
            )


@on_both_databases
async def test_task_list_costs_the_same_for_one_task_or_a_hundred(
    app: Litestar, api: httpx.AsyncClient, engine: AsyncEngine, team: Team, api_backend: str
) -> None:
    expected_statements = TASK_LIST_STATEMENTS
    await seed_tasks(app, team, 100)
    params = {"sort": "-priority,due_date,created_at", "project_id": team.project_id}

    one, small = await statements_for(api, engine, team.viewer, TASKS, limit=1, **params)
    hundred, large = await statements_for(api, engine, team.viewer, TASKS, limit=100, **params)
    rest, by_cursor = await statements_for(
        api, engine, team.viewer, TASKS, limit=100, cursor=one["next_cursor"], **params
    )

    assert (len(one["items"]), len(hundred["items"]), hundred["total"]) == (1, 100, 100)
    assert all(item["comment_count"] == 1 and item["assignee"] and item["tags"] for item in hundred["items"])
    assert_same_count(expected_statements, small, large)
    # A page after a cursor costs what a page at an offset does.
    assert ids(one["items"]) + ids(rest["items"]) == ids(hundred["items"])
    assert_same_count(expected_statements, small, by_cursor)


@on_both_databases
async def test_task_read_costs_the_same_for_a_bare_task_or_a_busy_one(
    api: httpx.AsyncClient, engine: AsyncEngine, team: Team, api_backend: str
) -> None:
    expected_statements = TASK_READ_STATEMENTS
    tags = [(await create_tag(api, team.manager, team.project_id, f"tag{n}"))["id"] for n in range(5)]
    bare = await create_task(api, team.manager, team.project_id, "Bare", tag_ids=tags[:1])
    await add_comment(api, team.manager, bare["id"])
    busy = await create_task(
        api, team.manager, team.project_id, "Busy", tag_ids=tags, assignee_id=str(team.contributor.id)
    )
    for n in range(30):
        await add_comment(api, [team.manager, team.contributor][n % 2], busy["id"], f"Comment {n}")

    one, small = await statements_for(api, engine, team.viewer, f"{TASKS}/{bare['id']}")
    many, large = await statements_for(api, engine, team.viewer, f"{TASKS}/{busy['id']}")
    by_key, keyed = await statements_for(api, engine, team.viewer, f"{TASKS}/ops-2")

    assert (len(one["latest_comments"]), len(many["latest_comments"])) == (1, 20)
    assert (len(many["tags"]), many["comment_count"]) == (5, 30)
    assert by_key == many
    assert_same_count(expected_statements, small, large)
    # By key costs one statement more: finding the id the key stands for.
    assert len(keyed) == expected_statements + 1, "\n\n".join(keyed)


@on_both_databases
async def test_project_list_costs_the_same_for_one_project_or_a_hundred(
    app: Litestar, api: httpx.AsyncClient, engine: AsyncEngine, team: Team, api_backend: str
) -> None:
    expected_statements = PROJECT_LIST_STATEMENTS
    async with one_unit_of_work(app) as (uow, now):
        for n in range(99):
            project = Project.create(
                id=new_id(), key=unique_project_key(), name=f"Project {n}", description="", now=now
            )
            await uow.projects.create(project)
            await uow.projects.save_member(
                ProjectMember(
                    project_id=project.id,
                    user_id=team.manager.id,
                    role=MemberRole.MANAGER,
                    created_at=now,
                    updated_at=now,
                )
            )

    one, small = await statements_for(api, engine, team.manager, PROJECTS, limit=1)
    hundred, large = await statements_for(api, engine, team.manager, PROJECTS, limit=100, sort="-name")
    rest, by_cursor = await statements_for(
        api, engine, team.manager, PROJECTS, limit=100, cursor=one["next_cursor"]
    )

    assert (len(one["items"]), len(hundred["items"]), hundred["total"]) == (1, 100, 100)
    assert_same_count(expected_statements, small, large)
    assert (len(rest["items"]), rest["total"]) == (99, 100)
    assert_same_count(expected_statements, small, by_cursor)


@on_both_databases
async def test_comment_list_costs_the_same_for_one_comment_or_a_hundred(
    app: Litestar, api: httpx.AsyncClient, engine: AsyncEngine, team: Team, api_backend: str
) -> None:
    expected_statements = COMMENT_LIST_STATEMENTS
    task = await create_task(api, team.manager, team.project_id)
    authors = [team.manager, team.contributor, team.admin]
    async with one_unit_of_work(app) as (uow, now):
        for n in range(100):
            await uow.comments.create(
                Comment.create(
                    id=new_id(),
                    task_id=UUID(task["id"]),
                    author_id=authors[n % 3].id,
                    body=f"Comment {n}",
                    now=now,
                )
            )
    url = f"{TASKS}/{task['id']}/comments"

    one, small = await statements_for(api, engine, team.viewer, url, limit=1)
    hundred, large = await statements_for(api, engine, team.viewer, url, limit=100)
    rest, by_cursor = await statements_for(
        api, engine, team.viewer, url, limit=100, cursor=one["next_cursor"]
    )

    assert (len(one["items"]), len(hundred["items"]), hundred["total"]) == (1, 100, 100)
    assert {comment["author"]["id"] for comment in hundred["items"]} == {str(a.id) for a in authors}
    assert_same_count(expected_statements, small, large)
    assert ids(one["items"]) + ids(rest["items"]) == ids(hundred["items"])
    assert_same_count(expected_statements, small, by_cursor)


@on_both_databases
async def test_task_update_costs_one_transaction_and_a_fixed_number_of_statements(
    api: httpx.AsyncClient, engine: AsyncEngine, team: Team
) -> None:
    tags = [(await create_tag(api, team.manager, team.project_id, f"tag{n}"))["id"] for n in range(3)]
    task = await create_task(api, team.manager, team.project_id, "Before", tag_ids=tags)
    changes = {"status": "in_progress", "priority": "urgent", "title": "After"}

    with recording(engine) as statements:
        response = await api.patch(f"{TASKS}/{task['id']}", json=changes, headers=team.contributor.headers)

    assert response.status_code == 200, response.text
    assert {name: response.json()[name] for name in changes} == changes
    assert response.json()["version"] == task["version"] + 1
    assert_one_transaction(statements, read_only=False)
    assert len([s for s in statements if s.lstrip().startswith("UPDATE tasks")]) == 1
    assert len(statements) == TASK_UPDATE_STATEMENTS, "\n\n".join(statements)
