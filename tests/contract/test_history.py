"""Task history, savepoints and watchers behave alike on memory, SQLite and PostgreSQL."""

from datetime import timedelta
from uuid import UUID

import pytest

from domain.errors import Conflict
from domain.history import ActivityFilters, FieldChange, HistoryAction, HistoryEntry
from domain.ids import new_id
from domain.paging import PageRequest
from domain.projects import MemberRole, Project
from domain.tasks import Task, TaskFilters
from domain.unit_of_work import UnitOfWork
from domain.users import User, UserChanges
from tests.contract.task_world import T0, World


def entry(
    task: Task, actor: User, *, seconds: int, action: HistoryAction = HistoryAction.UPDATED
) -> HistoryEntry:
    return HistoryEntry(
        id=new_id(),
        task_id=task.id,
        project_id=task.project_id,
        actor_id=actor.id,
        at=T0 + timedelta(seconds=seconds),
        action=action,
        changes=(
            FieldChange("assignee", None, {"id": str(actor.id), "full_name": actor.full_name}),
            FieldChange("tags", ["api", "db"], []),
            FieldChange("due_date", "2030-01-31", None),
        ),
    )


async def record(world: World, *entries: HistoryEntry) -> None:
    async with world.uow() as uow:
        for one in entries:
            uow.history.record(one)


@pytest.fixture
async def task(world: World, project: Project, manager: User) -> Task:
    return await world.task(project, manager)


async def test_entries_read_back_as_recorded_newest_first_ties_in_recorded_order(
    world: World, task: Task, manager: User
) -> None:
    old, tied_first, tied_second = (
        entry(task, manager, seconds=1),
        entry(task, manager, seconds=5),
        entry(task, manager, seconds=5),
    )
    await record(world, tied_first, old, tied_second)

    history = await world.history(task.id)

    assert [view.entry for view in history] == [tied_first, tied_second, old]
    assert {view.actor.full_name for view in history} == {manager.full_name}


async def test_pages_after_a_keyset_continue_exactly_where_offset_pages_would(
    world: World, task: Task, manager: User
) -> None:
    entries = [entry(task, manager, seconds=n // 3) for n in range(10)]  # ties of three
    await record(world, *entries)
    async with world.uow() as uow:
        everything = await uow.history.list_for_task(task.id, PageRequest(limit=10))
        first = await uow.history.list_for_task(task.id, PageRequest(limit=4))
        assert first.next is not None
        rest = await uow.history.list_for_task(task.id, PageRequest(limit=10, after=first.next))

    assert [v.entry.id for v in first.items] + [v.entry.id for v in rest.items] == [
        v.entry.id for v in everything.items
    ]
    assert (first.total, rest.total, rest.next) == (10, 10, None)


async def test_the_actor_is_shown_with_the_name_their_account_has_now(
    world: World, task: Task, manager: User
) -> None:
    await record(world, entry(task, manager, seconds=1))
    async with world.uow() as uow:
        stored = await uow.users.get_by_id(manager.id)
        assert stored is not None
        stored.apply(UserChanges(full_name="Renamed Person"), T0)
        await uow.users.update(stored)

    (view,) = await world.history(task.id)
    assert view.actor.full_name == "Renamed Person"
    # What the entry says the task showed then does not change.
    assert view.entry.changes[0].after == {"id": str(manager.id), "full_name": manager.full_name}


async def test_a_unit_of_work_that_fails_records_nothing(world: World, task: Task, manager: User) -> None:
    async def change_that_fails() -> None:
        async with world.uow() as uow:
            uow.history.record(entry(task, manager, seconds=1))
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await change_that_fails()

    assert await world.history(task.id) == []


async def test_a_rolled_back_savepoint_undoes_its_writes_and_records_and_the_rest_commits(
    world: World, project: Project, manager: User
) -> None:
    kept, undone = (
        await world.task(project, manager, title="Kept"),
        await world.task(project, manager, title="Undone"),
    )

    async def change(
        uow: UnitOfWork, task: Task, title: str, *, tag_ids: frozenset[UUID] = frozenset()
    ) -> None:
        async with uow.savepoint():
            task.title, task.version = title, task.version + 1
            await uow.tasks.update(task)
            uow.history.record(entry(task, manager, seconds=1))
            if tag_ids:
                # A tag that does not exist: the store refuses the link, inside the savepoint.
                task.tag_ids, task.version = tag_ids, task.version + 1
                await uow.tasks.update(task)

    async with world.uow() as uow:
        # The port promises no order: the tasks are told apart by id.
        by_id = {task.id: task for task in await uow.tasks.get_many([kept.id, undone.id])}
        await change(uow, by_id[kept.id], "Kept, changed")
        with pytest.raises(Conflict):
            await change(uow, by_id[undone.id], "Undone, changed", tag_ids=frozenset({new_id()}))

    assert ((await world.stored_task(kept.id)) or kept).title == "Kept, changed"
    assert (await world.stored_task(undone.id)) == undone
    assert [view.entry.task_id for view in await world.history(kept.id)] == [kept.id]
    assert await world.history(undone.id) == []


async def test_the_feed_filters_by_actor_action_and_instant_and_hides_deleted_tasks_unless_asked(
    world: World, project: Project, manager: User
) -> None:
    writer = await world.member(project, MemberRole.CONTRIBUTOR)
    live, gone = await world.task(project, manager), await world.task(project, manager)
    elsewhere = await world.task(await world.project(manager), manager)
    early = entry(live, manager, seconds=10, action=HistoryAction.CREATED)
    late = entry(live, writer, seconds=20)
    tagged = entry(live, writer, seconds=30, action=HistoryAction.TAGS_CHANGED)
    on_gone = entry(gone, writer, seconds=40)
    await record(world, early, late, tagged, on_gone, entry(elsewhere, manager, seconds=50))
    await world.delete_task(gone)

    async def ids(filters: ActivityFilters) -> list[UUID]:
        return [view.entry.id for view in await world.activity(project.id, filters)]

    assert await ids(ActivityFilters()) == [tagged.id, late.id, early.id]
    assert await ids(ActivityFilters(include_deleted_tasks=True)) == [
        on_gone.id,
        tagged.id,
        late.id,
        early.id,
    ]
    assert await ids(ActivityFilters(actor_id=writer.id)) == [tagged.id, late.id]
    assert await ids(
        ActivityFilters(actions=frozenset({HistoryAction.CREATED, HistoryAction.TAGS_CHANGED}))
    ) == [
        tagged.id,
        early.id,
    ]
    # `since` is inclusive.
    assert await ids(ActivityFilters(since=late.at)) == [tagged.id, late.id]
    # A deleted task's own history is all there.
    assert [view.entry.id for view in await world.history(gone.id)] == [on_gone.id]


async def test_watchers_are_kept_once_each_and_every_summary_says_whether_its_reader_watches(
    world: World, project: Project, manager: User
) -> None:
    other = await world.member(project, MemberRole.VIEWER)
    watched, unwatched = await world.task(project, manager), await world.task(project, manager)
    async with world.uow() as uow:
        await uow.watchers.watch([watched.id], [manager.id, other.id], T0)
        await uow.watchers.watch([watched.id, unwatched.id], [manager.id], T0)  # watched again: no error
    async with world.uow() as uow:
        await uow.watchers.unwatch(unwatched.id, manager.id)
        await uow.watchers.unwatch(unwatched.id, other.id)  # never watched: no error

    async with world.uow() as uow:
        page = await uow.tasks.list(TaskFilters(watched_by=manager.id), [], PageRequest(), viewer=manager.id)
        assert [(s.id, s.watching) for s in page.items] == [(watched.id, True)]
        every = await uow.tasks.list(TaskFilters(), [], PageRequest(), viewer=manager.id)
        assert [(s.id, s.watching) for s in every.items] == [(watched.id, True), (unwatched.id, False)]
        anonymous = await uow.tasks.list(TaskFilters(), [], PageRequest())
        assert [s.watching for s in anonymous.items] == [False, False]
        summaries = await uow.tasks.get_summaries([unwatched.id, watched.id], viewer=other.id)
        assert [(s.id, s.watching) for s in summaries] == [(unwatched.id, False), (watched.id, True)]


async def test_batch_reads_find_live_rows_in_one_call(world: World, project: Project, manager: User) -> None:
    viewer = await world.member(project, MemberRole.VIEWER)
    tag, other_tag = await world.tag(project, "api"), await world.tag(project, "db")
    live = await world.task(project, manager, tags=[tag, other_tag])
    deleted = await world.task(project, manager, is_deleted=True, tags=[tag])
    await world.task(project, manager, tags=[other_tag])
    gone_project = await world.project(manager)
    in_gone_project = await world.task(gone_project, manager)
    await world.delete_project(gone_project)
    retired = await world.user()
    async with world.uow() as uow:
        stored = await uow.users.get_by_id(retired.id)
        assert stored is not None
        stored.delete(T0)
        await uow.users.soft_delete(stored)

    async with world.uow() as uow:
        found = await uow.tasks.get_many([in_gone_project.id, deleted.id, new_id(), live.id])
        assert [task.id for task in found] == [live.id]
        roles = await uow.projects.get_many_with_member_role(
            [project.id, gone_project.id, new_id()], viewer.id
        )
        assert {project_id: role for project_id, (_, role) in roles.items()} == {
            project.id: MemberRole.VIEWER
        }
        assert [t.id for t in await uow.tags.get_many([tag.id, new_id()])] == [tag.id]
        assert await uow.tasks.tag_sets_carrying(tag.id) == {
            live.id: frozenset({tag.id, other_tag.id}),
            deleted.id: frozenset({tag.id}),
        }
        refs = await uow.users.get_refs([manager.id, retired.id, new_id()])
        assert {ref.id: ref.full_name for ref in refs.values()} == {
            manager.id: manager.full_name,
            retired.id: retired.full_name,
        }
