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
from domain.history import FieldChange, HistoryAction, HistoryEntry
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
# A list's page carries the list's total in the same statement.
#
# GET /tasks: page with its total (project, assignee and reporter joined, comment counts), tags of
# the page.
TASK_LIST_STATEMENTS = 5
# GET /tasks/{id}: summary (project, assignee and reporter joined, comment count), its tags, the
# project with the caller's role, the latest 20 comments with their authors.
TASK_READ_STATEMENTS = 7
# GET /projects: page with its total.
PROJECT_LIST_STATEMENTS = 4
# GET /tasks/{id}/comments: the task with its tags joined, the project with the caller's role, page
# with the authors joined and its total.
COMMENT_LIST_STATEMENTS = 6
# PATCH /tasks/{id} changing status, priority and title: the task with its tags joined, the project
# with the caller's role, the versioned UPDATE, then the summary as the list reads it (summary with
# its comment count and whether the caller watches it, tags), and the two rows of what happened,
# which the unit of work sends just before COMMIT: the history entry's INSERT and the event's INSERT
# into the outbox.
TASK_UPDATE_STATEMENTS = 10
# GET /tasks/{id}/history: the task with its tags joined, the project with the caller's role, page
# with the actors joined and its total.
TASK_HISTORY_STATEMENTS = 6
# GET /projects/{id}/activity: the project with the caller's role, page with the actors joined and
# its total.
ACTIVITY_STATEMENTS = 5
# POST /tasks/bulk changing status and priority, atomic: the tasks with their tags joined, their
# projects with the caller's role, one versioned UPDATE per task, the summaries and their tags, and
# before COMMIT one INSERT of every history entry and one of every event. Without atomic, each
# task's UPDATE sits between a SAVEPOINT and its RELEASE.
BULK_STATEMENTS_BESIDE_THE_UPDATES = 9
# The same with a new assignee and a tag added: beside the above, the assignee's account, their
# membership in each of the tasks' projects, the tags named and carried, the assignees before and
# after (for the history), and one INSERT of the new watchers; per task, the tag link's INSERT.
BULK_REASSIGN_STATEMENTS_BESIDE_THE_WRITES = 14


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
    """Tasks with two or three tags, alternating assignees and reporters (who watch them), one
    comment each."""
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
            # As CreateTask does: reporter and assignee watch it.
            await uow.watchers.watch([task.id], {task.reporter_id, people[(n + 1) % 2]}, now)
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
async def test_a_page_past_the_end_counts_its_total_alone_instead_of_reading_tags(
    app: Litestar, api: httpx.AsyncClient, engine: AsyncEngine, team: Team, api_backend: str
) -> None:
    await seed_tasks(app, team, 3)

    past, statements = await statements_for(api, engine, team.viewer, TASKS, offset=10, limit=5)

    assert (past["items"], past["total"]) == ([], 3)
    # No row carried the total, so it is counted on its own; with no task, no tags are read.
    listing = "\n\n".join(statements)
    assert len(statements) == TASK_LIST_STATEMENTS, listing
    page, count = statements[2], statements[3]
    assert ("list_total" in page, "tasks.title" in count) == (True, False), listing
    assert "task_tags" not in listing


@on_both_databases
async def test_an_empty_first_page_is_an_empty_list_and_counts_nothing(
    app: Litestar, api: httpx.AsyncClient, engine: AsyncEngine, team: Team, api_backend: str
) -> None:
    await seed_tasks(app, team, 3)

    empty, statements = await statements_for(api, engine, team.viewer, TASKS, q="matches-no-title", limit=5)

    assert (empty["items"], empty["total"]) == ([], 0)
    # The page, and neither a count nor the tags.
    listing = "\n\n".join(statements)
    assert len(statements) == TASK_LIST_STATEMENTS - 1, listing
    assert "list_total" in statements[2], listing
    assert "task_tags" not in listing


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
    # By key costs the same: the summary is read by the key itself, not by an id looked up first.
    assert len(keyed) == expected_statements, "\n\n".join(keyed)


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
    # Both rows of what happened go in just before COMMIT: the history entry, then the event.
    assert [s.lstrip().split("(")[0].strip() for s in statements[-3:-1]] == [
        "INSERT INTO task_history",
        "INSERT INTO outbox",
    ], "\n\n".join(statements)
    assert len(statements) == TASK_UPDATE_STATEMENTS, "\n\n".join(statements)


async def seed_history(app: Litestar, team: Team, task_id: UUID, count: int) -> None:
    """`count` entries on one task by the team's writers, as their changes record them."""
    async with one_unit_of_work(app) as (uow, now):
        for n in range(count):
            uow.history.record(
                HistoryEntry(
                    id=new_id(),
                    task_id=task_id,
                    project_id=UUID(team.project_id),
                    actor_id=[team.manager.id, team.contributor.id][n % 2],
                    at=now,
                    action=HistoryAction.UPDATED,
                    changes=(FieldChange("title", f"Title {n}", f"Title {n + 1}"),),
                )
            )


@on_both_databases
async def test_task_history_and_project_activity_cost_the_same_for_one_entry_or_a_hundred(
    app: Litestar, api: httpx.AsyncClient, engine: AsyncEngine, team: Team, api_backend: str
) -> None:
    task = await create_task(api, team.manager, team.project_id)  # its `created` entry
    await seed_history(app, team, UUID(task["id"]), 99)
    history = f"{TASKS}/{task['id']}/history"
    activity = f"{team.url}/activity"

    one, small = await statements_for(api, engine, team.viewer, history, limit=1)
    hundred, large = await statements_for(api, engine, team.viewer, history, limit=100)
    rest, by_cursor = await statements_for(
        api, engine, team.viewer, history, limit=100, cursor=one["next_cursor"]
    )
    assert (len(one["items"]), len(hundred["items"]), hundred["total"]) == (1, 100, 100)
    assert {entry["actor"]["id"] for entry in hundred["items"]} == {
        str(team.manager.id),
        str(team.contributor.id),
    }
    assert ids(one["items"]) + ids(rest["items"]) == ids(hundred["items"])
    assert_same_count(TASK_HISTORY_STATEMENTS, small, large)
    assert_same_count(TASK_HISTORY_STATEMENTS, small, by_cursor)

    one, small = await statements_for(api, engine, team.viewer, activity, limit=1)
    hundred, large = await statements_for(
        api, engine, team.viewer, activity, limit=100, action="updated", actor_id=str(team.manager.id)
    )
    assert (len(one["items"]), one["total"], hundred["total"]) == (1, 100, 50)
    assert_same_count(ACTIVITY_STATEMENTS, small, large)


@on_both_databases
async def test_the_watched_list_costs_what_the_list_does(
    app: Litestar, api: httpx.AsyncClient, engine: AsyncEngine, team: Team, api_backend: str
) -> None:
    await seed_tasks(app, team, 100)
    # The manager and the contributor each reported half and are assigned the other half.
    one, small = await statements_for(api, engine, team.manager, TASKS, limit=1, watched_by="me")
    hundred, large = await statements_for(api, engine, team.manager, TASKS, limit=100, watched_by="me")
    unwatched, _ = await statements_for(api, engine, team.viewer, TASKS, limit=100, watched_by="me")

    assert (len(one["items"]), hundred["total"], unwatched["total"]) == (1, 100, 0)
    assert all(item["watching"] for item in hundred["items"])
    assert_same_count(TASK_LIST_STATEMENTS, small, large)


async def bulk_statements(
    api: httpx.AsyncClient,
    engine: AsyncEngine,
    account: Account,
    task_ids: list[str],
    changes: dict[str, Any],
    *,
    atomic: bool,
) -> tuple[dict[str, Any], Recording]:
    body = {"task_ids": task_ids, "changes": changes, "atomic": atomic}
    with recording(engine) as statements:
        response = await api.post(f"{TASKS}/bulk", json=body, headers=account.headers)
    assert response.status_code == 200, response.text
    assert_one_transaction(statements, read_only=False)
    answer: dict[str, Any] = response.json()
    assert [result["status"] for result in answer["results"]] == [200] * len(task_ids), answer
    return answer, statements


def beside(statements: Recording, *starts: str) -> list[str]:
    """The statements that are none of the writes starting so (a task's own UPDATE, its SAVEPOINT...)."""
    return [s for s in statements if not s.lstrip().startswith(starts)]


def per_task(statements: Recording, start: str) -> int:
    return len([s for s in statements if s.lstrip().startswith(start)])


async def all_task_ids(api: httpx.AsyncClient, account: Account) -> list[str]:
    pages = [
        await api.get(TASKS, params={"limit": 100, "offset": at}, headers=account.headers) for at in (0, 100)
    ]
    return [item["id"] for page in pages for item in page.json()["items"]]


@on_both_databases
async def test_a_bulk_change_of_a_hundred_tasks_reads_and_checks_what_one_of_one_does(
    app: Litestar, api: httpx.AsyncClient, engine: AsyncEngine, team: Team, api_backend: str
) -> None:
    await seed_tasks(app, team, 101)
    one, hundred = (await all_task_ids(api, team.manager))[:1], (await all_task_ids(api, team.manager))[1:]
    assert len(hundred) == 100
    runs = (
        (True, {"status": "in_progress", "priority": "urgent"}, ("UPDATE tasks",)),
        (False, {"status": "todo", "priority": "low"}, ("UPDATE tasks", "SAVEPOINT", "RELEASE SAVEPOINT")),
    )
    for version, (atomic, changes, writes) in enumerate(runs, start=2):
        small = (await bulk_statements(api, engine, team.contributor, one, changes, atomic=atomic))[1]
        answer, large = await bulk_statements(api, engine, team.contributor, hundred, changes, atomic=atomic)

        assert {(result["task"]["version"], result["task"]["status"]) for result in answer["results"]} == {
            (version, changes["status"])
        }
        for write in writes:
            assert (per_task(small, write), per_task(large, write)) == (1, 100), write
        assert_same_count(BULK_STATEMENTS_BESIDE_THE_UPDATES, beside(small, *writes), beside(large, *writes))
        # Every task's history entry, in one statement; every task's event, in one more.
        assert per_task(large, "INSERT INTO task_history") == 1
        assert per_task(large, "INSERT INTO outbox") == 1


@on_both_databases
async def test_a_bulk_reassignment_with_a_tag_checks_a_hundred_tasks_as_it_checks_one(
    app: Litestar, api: httpx.AsyncClient, engine: AsyncEngine, team: Team, api_backend: str
) -> None:
    await seed_tasks(app, team, 101)
    every = await all_task_ids(api, team.manager)
    tag = await create_tag(api, team.manager, team.project_id, "sprint-9")
    changes = {"assignee_id": str(team.viewer.id), "add_tag_ids": [tag["id"]]}
    writes = ("UPDATE tasks", "INSERT INTO task_tags")

    small = (await bulk_statements(api, engine, team.contributor, every[:1], changes, atomic=True))[1]
    answer, large = await bulk_statements(api, engine, team.contributor, every[1:], changes, atomic=True)

    assert all(
        result["task"]["assignee"]["id"] == str(team.viewer.id)
        and "sprint-9" in [t["name"] for t in result["task"]["tags"]]
        for result in answer["results"]
    )
    for write in writes:
        assert (per_task(small, write), per_task(large, write)) == (1, 100), write
    assert_same_count(
        BULK_REASSIGN_STATEMENTS_BESIDE_THE_WRITES, beside(small, *writes), beside(large, *writes)
    )
    # The new assignee watches every task now, in one statement.
    assert per_task(large, "INSERT INTO task_watchers") == 1
    watched = await api.get(TASKS, params={"watched_by": "me", "limit": 100}, headers=team.viewer.headers)
    assert watched.json()["total"] == 101
