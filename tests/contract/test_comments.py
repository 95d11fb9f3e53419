"""CommentRepository: the same behaviour on memory, SQLite and PostgreSQL."""

import dataclasses
from datetime import UTC, datetime
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import UtcClock
from application.comments.add_comment import AddComment, AddCommentCommand
from application.comments.delete_comment import DeleteComment, DeleteCommentCommand
from application.tasks.get_task import GetTask, GetTaskQuery
from domain.comments import Comment, CommentView
from domain.errors import StaleVersion
from domain.ids import new_id
from domain.paging import PageRequest
from domain.projects import Project
from domain.tasks import Task
from domain.users import User, UserRef
from tests.conftest import UnitOfWorkFactory
from tests.contract.task_world import WHOLE_PAGE, World, counting_statements

# Counted on the SQL adapters: the page with its authors joined and its total.
LIST_STATEMENTS = 1


@pytest.fixture
async def author(world: World) -> User:
    return await world.user(full_name="Ada Lovelace")


@pytest.fixture
async def project(world: World, author: User) -> Project:
    return await world.project(author)


@pytest.fixture
async def task(world: World, project: Project, author: User) -> Task:
    return await world.task(project, author)


async def fetch(world: World, comment_id: UUID) -> Comment | None:
    async with world.uow() as uow:
        return await uow.comments.get_by_id(comment_id)


async def listed(world: World, task: Task, page: PageRequest = WHOLE_PAGE) -> tuple[list[UUID], int]:
    async with world.uow() as uow:
        found = await uow.comments.list_for_task(task.id, page)
    return [view.comment.id for view in found.items], found.total


async def test_created_comment_reads_back_equal_with_its_author(
    world: World, task: Task, author: User
) -> None:
    comment = Comment.create(
        id=new_id(),
        task_id=task.id,
        author_id=author.id,
        body="Ship it ✓",
        now=datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC),
    )
    async with world.uow() as uow:
        await uow.comments.create(comment)

    async with world.uow() as uow:
        stored = await uow.comments.get_by_id(comment.id)
        view = await uow.comments.get_view(comment.id)

    assert stored == comment
    assert view == CommentView(comment=comment, author=UserRef(id=author.id, full_name="Ada Lovelace"))


async def test_unknown_comment_is_not_found(world: World, task: Task, author: User) -> None:
    await world.comment(task, author)

    async with world.uow() as uow:
        assert await uow.comments.get_by_id(new_id()) is None
        assert await uow.comments.get_view(new_id()) is None


async def test_comments_list_oldest_first_a_page_at_a_time_without_deleted_ones(
    world: World, project: Project, task: Task, author: User
) -> None:
    other = await world.member(project)
    comments = [await world.comment(task, person) for person in (author, other, author, other, author)]
    await world.comment(task, other, is_deleted=True)
    await world.comment(await world.task(project, author), author)

    pages = [await listed(world, task, PageRequest(offset=offset, limit=2)) for offset in (0, 2, 4)]

    assert pages == [
        ([comments[0].id, comments[1].id], 5),
        ([comments[2].id, comments[3].id], 5),
        ([comments[4].id], 5),
    ]


async def test_comments_made_at_the_same_instant_list_by_id(world: World, task: Task, author: User) -> None:
    instant = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    ids = sorted(new_id() for _ in range(3))
    async with world.uow() as uow:
        for comment_id in reversed(ids):
            comment = Comment.create(
                id=comment_id, task_id=task.id, author_id=author.id, body="Same", now=instant
            )
            await uow.comments.create(comment)

    assert await listed(world, task) == (ids, 3)


async def test_latest_comments_are_the_newest_ones_oldest_first(
    world: World, project: Project, task: Task, author: User
) -> None:
    other = await world.member(project, full_name="Alan Turing")
    comments = [await world.comment(task, person) for person in (author, other, author, other)]
    await world.comment(task, author, is_deleted=True)

    async with world.uow() as uow:
        latest = await uow.comments.latest_for_task(task.id, 3)
        everything = await uow.comments.latest_for_task(task.id, 20)

    assert [view.comment.id for view in latest] == [c.id for c in comments[1:]]
    assert [view.author.full_name for view in latest] == ["Alan Turing", "Ada Lovelace", "Alan Turing"]
    assert [view.comment.id for view in everything] == [c.id for c in comments]


async def test_edited_comment_is_stored(world: World, task: Task, author: User) -> None:
    comment = await world.comment(task, author, "First")
    edited = dataclasses.replace(comment)
    assert edited.edit("Second", datetime.now(UTC))

    async with world.uow() as uow:
        await uow.comments.update(edited)

    assert await fetch(world, comment.id) == edited


async def test_edit_from_a_stale_version_is_refused(world: World, task: Task, author: User) -> None:
    comment = await world.comment(task, author, "First")
    winner, loser = dataclasses.replace(comment), dataclasses.replace(comment)
    winner.edit("Winner", datetime.now(UTC))
    loser.edit("Loser", datetime.now(UTC))
    async with world.uow() as uow:
        await uow.comments.update(winner)

    with pytest.raises(StaleVersion):
        async with world.uow() as uow:
            await uow.comments.update(loser)

    assert await fetch(world, comment.id) == winner


async def test_deleted_comment_disappears_and_stops_counting(world: World, task: Task, author: User) -> None:
    kept, dropped = await world.comment(task, author), await world.comment(task, author)
    dropped.delete(datetime.now(UTC))

    async with world.uow() as uow:
        await uow.comments.soft_delete(dropped)

    assert await fetch(world, dropped.id) is None
    assert await listed(world, task) == ([kept.id], 1)
    summary = await world.summary(task.id)
    assert summary is not None
    assert summary.comment_count == 1


async def test_comments_of_a_deleted_task_are_hidden_until_it_is_restored(
    world: World, task: Task, author: User
) -> None:
    comment = await world.comment(task, author)

    await world.delete_task(task)
    assert (await fetch(world, comment.id), await listed(world, task)) == (None, ([], 0))
    async with world.uow() as uow:
        assert await uow.comments.latest_for_task(task.id, 20) == []

    await world.restore_task(task)
    assert await listed(world, task) == ([comment.id], 1)


async def test_comments_of_a_deleted_project_are_hidden_until_it_is_restored(
    world: World, project: Project, task: Task, author: User
) -> None:
    comment = await world.comment(task, author)

    await world.delete_project(project)
    assert (await fetch(world, comment.id), await listed(world, task)) == (None, ([], 0))

    await world.restore_project(project)
    assert (await fetch(world, comment.id), await listed(world, task)) == (comment, ([comment.id], 1))


async def test_comments_added_through_the_use_case_show_on_the_task(
    world: World, uow_factory: UnitOfWorkFactory, project: Project, task: Task, author: User
) -> None:
    clock = UtcClock()
    actor = author.as_actor()
    views = [
        await AddComment(uow_factory(), clock).execute(AddCommentCommand(actor, task.id, body))
        for body in ("First", "Second", "Third")
    ]
    await DeleteComment(uow_factory(), clock).execute(DeleteCommentCommand(actor, views[1].comment.id))

    detail = await GetTask(uow_factory()).execute(GetTaskQuery(actor, f"{project.key.lower()}-{task.number}"))

    assert detail.latest_comments == (views[0], views[2])
    assert views[0].author == UserRef(id=author.id, full_name="Ada Lovelace")
    assert detail.summary.comment_count == 2


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_comment_list_costs_a_fixed_number_of_statements(
    world: World, project: Project, author: User, backend_engine: AsyncEngine
) -> None:
    counts = []
    for size in (1, 30):
        task = await world.task(project, author)
        for _ in range(size):
            await world.comment(task, await world.member(project))
        async with world.uow() as uow:
            with counting_statements(backend_engine) as statements:
                found = await uow.comments.list_for_task(task.id, PageRequest(limit=100))
                views, total = found.items, found.total
            counts.append(len(statements))
        assert (len(views), total, len({view.author.id for view in views})) == (size, size, size)

    assert counts == [LIST_STATEMENTS, LIST_STATEMENTS]
