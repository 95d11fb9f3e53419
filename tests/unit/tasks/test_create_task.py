from datetime import date

import pytest

from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.tasks.create_task import CreateTask, CreateTaskCommand
from domain.errors import NotFound, PermissionDenied, ValidationFailed
from domain.projects import Project
from domain.tasks import Priority, ProjectRef, TagRef, TaskFilters, TaskStatus
from domain.users import User, UserRef
from tests.contract.task_world import World
from tests.unit.fakes import FakeClock


@pytest.fixture
def create(uow: InMemoryUnitOfWork, clock: FakeClock) -> CreateTask:
    return CreateTask(uow, clock)


async def test_contributor_creates_a_todo_task_they_reported(
    create: CreateTask, project: Project, contributor: User, clock: FakeClock
) -> None:
    summary = await create.execute(
        CreateTaskCommand(
            contributor.as_actor(),
            project.id,
            title="  Rotate the TLS certificates ",
            description="Before they expire.",
            priority=Priority.HIGH,
            due_date=date(2026, 4, 1),
        )
    )

    assert (summary.title, summary.description, summary.priority, summary.due_date) == (
        "Rotate the TLS certificates",
        "Before they expire.",
        Priority.HIGH,
        date(2026, 4, 1),
    )
    assert (summary.status, summary.completed_at, summary.assignee) == (TaskStatus.TODO, None, None)
    assert (summary.version, summary.created_at, summary.updated_at) == (1, clock.now(), clock.now())
    assert summary.project == ProjectRef(id=project.id, key="OPS", name=project.name)
    assert summary.reporter == UserRef(id=contributor.id, full_name=contributor.full_name)
    assert (summary.assignee, summary.tags, summary.comment_count) == (None, (), 0)


async def test_tasks_are_numbered_one_after_another_in_their_project(
    create: CreateTask, world: World, project: Project, manager: User
) -> None:
    other_project = await world.project(manager, key="WEB")

    keys = [
        (await create.execute(CreateTaskCommand(manager.as_actor(), project_id, title="Work"))).key
        for project_id in (project.id, project.id, other_project.id, project.id)
    ]

    assert keys == ["OPS-1", "OPS-2", "WEB-1", "OPS-3"]


async def test_created_task_is_stored(
    create: CreateTask, world: World, project: Project, manager: User
) -> None:
    summary = await create.execute(CreateTaskCommand(manager.as_actor(), project.id, title="Stored"))

    assert await world.summary(summary.id, viewer=manager.id) == summary
    assert summary.watching, "the reporter watches the task"


async def test_viewer_cannot_create_a_task(
    create: CreateTask, world: World, project: Project, viewer: User, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(PermissionDenied):
        await create.execute(CreateTaskCommand(viewer.as_actor(), project.id, title="Not allowed"))

    assert await world.ids(TaskFilters(include_deleted=True)) == set()
    assert uow.rolled_back == 1


async def test_outsider_is_told_the_project_does_not_exist(
    create: CreateTask, project: Project, outsider: User
) -> None:
    with pytest.raises(NotFound, match="project not found"):
        await create.execute(CreateTaskCommand(outsider.as_actor(), project.id, title="Sneaky"))


async def test_admin_creates_a_task_in_a_project_they_are_not_a_member_of(
    create: CreateTask, project: Project, admin: User
) -> None:
    summary = await create.execute(CreateTaskCommand(admin.as_actor(), project.id, title="By the admin"))

    assert summary.reporter.id == admin.id


async def test_deleted_project_takes_no_tasks(
    create: CreateTask, world: World, project: Project, manager: User
) -> None:
    await world.delete_project(project)

    with pytest.raises(NotFound):
        await create.execute(CreateTaskCommand(manager.as_actor(), project.id, title="Too late"))


async def test_member_can_be_the_assignee(
    create: CreateTask, project: Project, manager: User, viewer: User
) -> None:
    summary = await create.execute(
        CreateTaskCommand(manager.as_actor(), project.id, title="Review", assignee_id=viewer.id)
    )

    assert summary.assignee == UserRef(id=viewer.id, full_name=viewer.full_name)


async def test_assignee_who_is_not_a_member_is_refused(
    create: CreateTask, world: World, project: Project, manager: User, outsider: User
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await create.execute(
            CreateTaskCommand(manager.as_actor(), project.id, title="Review", assignee_id=outsider.id)
        )

    assert refused.value.field == "assignee_id"
    assert await world.ids() == set()


async def test_project_tags_are_put_on_the_task_by_name(
    create: CreateTask, world: World, project: Project, manager: User
) -> None:
    urgent = await world.tag(project, "urgent", "#ff0000")
    backend = await world.tag(project, "backend", "#00ff00")

    summary = await create.execute(
        CreateTaskCommand(
            manager.as_actor(), project.id, title="Tagged", tag_ids=frozenset({urgent.id, backend.id})
        )
    )

    assert summary.tags == (
        TagRef(id=backend.id, name="backend", color="#00ff00"),
        TagRef(id=urgent.id, name="urgent", color="#ff0000"),
    )


async def test_tag_of_another_project_is_refused(
    create: CreateTask, world: World, project: Project, manager: User
) -> None:
    elsewhere = await world.tag(await world.project(manager, key="WEB"), "backend")

    with pytest.raises(ValidationFailed) as refused:
        await create.execute(
            CreateTaskCommand(
                manager.as_actor(), project.id, title="Tagged", tag_ids=frozenset({elsewhere.id})
            )
        )

    assert refused.value.field == "tag_ids"


async def test_refused_create_does_not_use_up_a_number(
    create: CreateTask, project: Project, manager: User
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await create.execute(CreateTaskCommand(manager.as_actor(), project.id, title="   "))
    assert refused.value.field == "title"

    summary = await create.execute(CreateTaskCommand(manager.as_actor(), project.id, title="First real task"))

    assert summary.key == "OPS-1"
