import pytest

from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.projects.list_projects import ListProjects, ListProjectsQuery
from domain.errors import PermissionDenied
from domain.paging import Page, PageRequest, SortKey
from domain.projects import MemberRole, Project, ProjectFilters
from domain.users import User
from tests.contract.task_world import World


@pytest.fixture
def list_projects(uow: InMemoryUnitOfWork) -> ListProjects:
    return ListProjects(uow)


def keys(page: Page[Project]) -> list[str]:
    return [project.key for project in page.items]


@pytest.fixture
async def others(world: World) -> list[Project]:
    """Three projects the fixture users have no part in, each with a manager of its own."""
    return [
        await world.project(await world.user(), key=key, name=name)
        for key, name in [("DEV", "Development"), ("HR", "People"), ("WEB", "Website relaunch")]
    ]


async def test_member_sees_only_the_projects_they_belong_to(
    list_projects: ListProjects, project: Project, viewer: User, others: list[Project]
) -> None:
    page = await list_projects.execute(ListProjectsQuery(viewer.as_actor()))

    assert keys(page) == ["OPS"]
    assert page.total == 1


async def test_member_cannot_list_another_users_projects(
    list_projects: ListProjects, project: Project, viewer: User, world: World, others: list[Project]
) -> None:
    someone = await world.user()
    await world.join(others[0], someone, MemberRole.VIEWER)

    page = await list_projects.execute(
        ListProjectsQuery(viewer.as_actor(), ProjectFilters(member_id=someone.id))
    )

    assert keys(page) == ["OPS"]


async def test_admin_sees_every_project_or_one_users(
    list_projects: ListProjects, project: Project, admin: User, viewer: User, others: list[Project]
) -> None:
    everything = await list_projects.execute(ListProjectsQuery(admin.as_actor()))
    of_viewer = await list_projects.execute(
        ListProjectsQuery(admin.as_actor(), ProjectFilters(member_id=viewer.id))
    )

    assert keys(everything) == ["DEV", "HR", "OPS", "WEB"]
    assert keys(of_viewer) == ["OPS"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ops", ["OPS"]), ("DEVELOP", ["DEV"]), ("e", ["DEV", "HR", "OPS", "WEB"]), ("launch", ["WEB"])],
)
async def test_text_matches_key_or_name_ignoring_case(
    list_projects: ListProjects,
    project: Project,
    admin: User,
    others: list[Project],
    text: str,
    expected: list[str],
) -> None:
    page = await list_projects.execute(ListProjectsQuery(admin.as_actor(), ProjectFilters(text=text)))

    assert keys(page) == expected
    assert page.total == len(expected)


async def test_blank_text_filters_nothing(
    list_projects: ListProjects, project: Project, admin: User, others: list[Project]
) -> None:
    page = await list_projects.execute(ListProjectsQuery(admin.as_actor(), ProjectFilters(text="  ")))

    assert page.total == 4


async def test_deleted_projects_are_listed_for_admins_who_ask(
    list_projects: ListProjects, world: World, project: Project, admin: User, others: list[Project]
) -> None:
    await world.delete_project(others[0])

    live = await list_projects.execute(ListProjectsQuery(admin.as_actor()))
    every = await list_projects.execute(
        ListProjectsQuery(admin.as_actor(), ProjectFilters(include_deleted=True))
    )

    assert keys(live) == ["HR", "OPS", "WEB"]
    assert keys(every) == ["DEV", "HR", "OPS", "WEB"]


async def test_members_may_not_list_deleted_projects(
    list_projects: ListProjects, project: Project, manager: User
) -> None:
    with pytest.raises(PermissionDenied):
        await list_projects.execute(
            ListProjectsQuery(manager.as_actor(), ProjectFilters(include_deleted=True))
        )


async def test_pages_follow_the_sort_and_count_every_match(
    list_projects: ListProjects, project: Project, admin: User, others: list[Project]
) -> None:
    query = ListProjectsQuery(
        admin.as_actor(), sort=(SortKey("name", descending=True),), page=PageRequest(offset=1, limit=2)
    )

    page = await list_projects.execute(query)

    # Names descending: Website relaunch, People, Operations, Development.
    assert keys(page) == ["HR", "OPS"]
    assert (page.total, page.request) == (4, PageRequest(offset=1, limit=2))
