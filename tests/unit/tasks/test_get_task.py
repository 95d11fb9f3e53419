import pytest

from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.tasks.get_task import LATEST_COMMENTS, GetTask, GetTaskQuery
from domain.errors import NotFound
from domain.ids import new_id
from domain.projects import Project
from domain.users import User
from tests.contract.task_world import World


@pytest.fixture
def get(uow: InMemoryUnitOfWork) -> GetTask:
    return GetTask(uow)


async def test_member_reads_a_task_by_id_with_its_summary(
    get: GetTask, world: World, project: Project, manager: User, viewer: User
) -> None:
    task = await world.task(project, manager, assignee=viewer)

    detail = await get.execute(GetTaskQuery(viewer.as_actor(), task.id))

    assert detail.summary == await world.summary(task.id)
    assert detail.latest_comments == ()


@pytest.mark.parametrize("spelling", ["OPS-2", "ops-2", "Ops-2", " OPS-2 "])
async def test_task_is_found_by_its_key_in_any_case(
    get: GetTask, world: World, project: Project, manager: User, spelling: str
) -> None:
    await world.task(project, manager)
    second = await world.task(project, manager)

    detail = await get.execute(GetTaskQuery(manager.as_actor(), spelling))

    assert detail.summary.id == second.id
    assert detail.summary.key == "OPS-2"


async def test_task_is_found_by_its_id_as_text(
    get: GetTask, world: World, project: Project, manager: User
) -> None:
    task = await world.task(project, manager)

    detail = await get.execute(GetTaskQuery(manager.as_actor(), str(task.id)))

    assert detail.summary.id == task.id


@pytest.mark.parametrize("reference", ["OPS-3", "WEB-1", "OPS-0", "OPS-", "OPS", "42", "O-1", "not a task"])
async def test_key_that_names_no_task_is_not_found(
    get: GetTask, world: World, project: Project, manager: User, reference: str
) -> None:
    await world.task(project, manager)
    await world.task(project, manager)

    with pytest.raises(NotFound, match="task not found"):
        await get.execute(GetTaskQuery(manager.as_actor(), reference))


async def test_outsider_gets_the_same_answer_as_for_a_missing_task(
    get: GetTask, world: World, project: Project, manager: User, outsider: User
) -> None:
    task = await world.task(project, manager)

    for reference in (task.id, "OPS-1", new_id()):
        with pytest.raises(NotFound, match="task not found"):
            await get.execute(GetTaskQuery(outsider.as_actor(), reference))


async def test_admin_reads_any_task(
    get: GetTask, world: World, project: Project, manager: User, admin: User
) -> None:
    task = await world.task(project, manager)

    detail = await get.execute(GetTaskQuery(admin.as_actor(), "OPS-1"))

    assert detail.summary.id == task.id


async def test_detail_holds_the_latest_comments_oldest_first(
    get: GetTask, world: World, project: Project, manager: User, contributor: User
) -> None:
    task = await world.task(project, manager)
    comments = [await world.comment(task, contributor, f"Comment {n}") for n in range(LATEST_COMMENTS + 3)]
    await world.comment(task, contributor, "Withdrawn", is_deleted=True)

    detail = await get.execute(GetTaskQuery(manager.as_actor(), task.id))

    assert [view.comment.id for view in detail.latest_comments] == [c.id for c in comments[3:]]
    assert {view.author.id for view in detail.latest_comments} == {contributor.id}
    assert detail.summary.comment_count == LATEST_COMMENTS + 3


async def test_deleted_task_is_not_found_unless_a_manager_asks_for_it(
    get: GetTask, world: World, project: Project, manager: User, contributor: User, admin: User
) -> None:
    task = await world.task(project, manager, is_deleted=True)

    with pytest.raises(NotFound):
        await get.execute(GetTaskQuery(manager.as_actor(), task.id))
    with pytest.raises(NotFound):
        await get.execute(GetTaskQuery(contributor.as_actor(), task.id, include_deleted=True))
    for reader in (manager, admin):
        detail = await get.execute(GetTaskQuery(reader.as_actor(), task.id, include_deleted=True))
        assert detail.summary.is_deleted


async def test_task_of_a_deleted_project_is_not_found_until_it_is_restored(
    get: GetTask, world: World, project: Project, manager: User
) -> None:
    task = await world.task(project, manager)
    await world.delete_project(project)

    for reference in (task.id, "OPS-1"):
        with pytest.raises(NotFound):
            await get.execute(GetTaskQuery(manager.as_actor(), reference, include_deleted=True))

    await world.restore_project(project)
    assert (await get.execute(GetTaskQuery(manager.as_actor(), "OPS-1"))).summary.id == task.id
