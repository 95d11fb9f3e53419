import pytest

from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.tasks.list_tasks import ListTasks, ListTasksQuery
from domain.errors import PermissionDenied
from domain.paging import PageRequest
from domain.projects import MemberRole, Project
from domain.tasks import TaskFilters
from domain.users import User
from tests.contract.task_world import NO_FILTERS, World


@pytest.fixture
def list_tasks(uow: InMemoryUnitOfWork) -> ListTasks:
    return ListTasks(uow)


async def listed(list_tasks: ListTasks, actor: User, filters: TaskFilters = NO_FILTERS) -> set[str]:
    page = await list_tasks.execute(ListTasksQuery(actor.as_actor(), filters, page=PageRequest(limit=100)))
    return {summary.key for summary in page.items}


async def test_member_sees_only_the_tasks_of_their_projects(
    list_tasks: ListTasks, world: World, project: Project, manager: User, viewer: User
) -> None:
    other = await world.project(await world.user(), key="WEB")
    await world.task(project, manager)
    await world.task(other, manager)

    assert await listed(list_tasks, viewer) == {"OPS-1"}
    # Asking for another project's tasks shows nothing rather than that project's work.
    assert await listed(list_tasks, viewer, TaskFilters(project_id=other.id)) == set()


async def test_admin_sees_every_project_s_tasks(
    list_tasks: ListTasks, world: World, project: Project, manager: User, admin: User
) -> None:
    other = await world.project(await world.user(), key="WEB")
    await world.task(project, manager)
    await world.task(other, manager)

    assert await listed(list_tasks, admin) == {"OPS-1", "WEB-1"}


async def test_page_reports_the_total_and_the_page_asked_for(
    list_tasks: ListTasks, world: World, project: Project, manager: User
) -> None:
    for _ in range(3):
        await world.task(project, manager)

    page = await list_tasks.execute(ListTasksQuery(manager.as_actor(), page=PageRequest(offset=1, limit=1)))

    assert (len(page.items), page.total, page.request) == (1, 3, PageRequest(offset=1, limit=1))


async def test_manager_lists_the_deleted_tasks_of_their_project(
    list_tasks: ListTasks, world: World, project: Project, manager: User
) -> None:
    await world.task(project, manager)
    await world.task(project, manager, is_deleted=True)

    filters = TaskFilters(project_id=project.id, include_deleted=True)
    assert await listed(list_tasks, manager, filters) == {"OPS-1", "OPS-2"}


async def test_admin_lists_deleted_tasks_of_every_project(
    list_tasks: ListTasks, world: World, project: Project, manager: User, admin: User
) -> None:
    await world.task(project, manager, is_deleted=True)

    assert await listed(list_tasks, admin, TaskFilters(include_deleted=True)) == {"OPS-1"}


@pytest.mark.parametrize("role", [MemberRole.CONTRIBUTOR, MemberRole.VIEWER])
async def test_non_manager_cannot_list_deleted_tasks(
    list_tasks: ListTasks, world: World, project: Project, role: MemberRole
) -> None:
    member = await world.member(project, role)

    with pytest.raises(PermissionDenied):
        await listed(list_tasks, member, TaskFilters(project_id=project.id, include_deleted=True))


async def test_manager_cannot_list_deleted_tasks_without_naming_their_project(
    list_tasks: ListTasks, project: Project, manager: User
) -> None:
    with pytest.raises(PermissionDenied):
        await listed(list_tasks, manager, TaskFilters(include_deleted=True))


async def test_manager_of_one_project_cannot_list_another_s_deleted_tasks(
    list_tasks: ListTasks, world: World, project: Project, manager: User
) -> None:
    other = await world.project(await world.user(), key="WEB")
    await world.join(other, manager, MemberRole.CONTRIBUTOR)

    with pytest.raises(PermissionDenied):
        await listed(list_tasks, manager, TaskFilters(project_id=other.id, include_deleted=True))


@pytest.mark.parametrize("blank", ["", "   "])
async def test_blank_text_filter_is_no_filter(
    list_tasks: ListTasks, world: World, project: Project, manager: User, blank: str
) -> None:
    await world.task(project, manager, title="Anything")

    assert await listed(list_tasks, manager, TaskFilters(text=blank)) == {"OPS-1"}


async def test_text_filter_ignores_surrounding_spaces_and_case(
    list_tasks: ListTasks, world: World, project: Project, manager: User
) -> None:
    await world.task(project, manager, title="Upgrade PostgreSQL")
    await world.task(project, manager, title="Upgrade Redis")

    assert await listed(list_tasks, manager, TaskFilters(text="  postgresql ")) == {"OPS-1"}
