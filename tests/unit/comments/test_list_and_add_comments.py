import pytest

from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.comments.add_comment import AddComment, AddCommentCommand
from application.comments.list_comments import ListComments, ListCommentsQuery
from domain.comments import MAX_COMMENT_LENGTH
from domain.errors import NotFound, PermissionDenied, ValidationFailed
from domain.paging import PageRequest
from domain.projects import Project
from domain.users import User, UserRef
from tests.contract.task_world import World
from tests.unit.fakes import FakeClock


@pytest.fixture
def add(uow: InMemoryUnitOfWork, clock: FakeClock) -> AddComment:
    return AddComment(uow, clock)


@pytest.fixture
def list_comments(uow: InMemoryUnitOfWork) -> ListComments:
    return ListComments(uow)


async def test_contributor_comments_on_a_task_as_its_author(
    add: AddComment, world: World, project: Project, manager: User, contributor: User, clock: FakeClock
) -> None:
    task = await world.task(project, manager)

    view = await add.execute(AddCommentCommand(contributor.as_actor(), task.id, "  On it.  "))

    assert view.author == UserRef(id=contributor.id, full_name=contributor.full_name)
    comment = view.comment
    assert (comment.task_id, comment.author_id, comment.body) == (task.id, contributor.id, "On it.")
    assert (comment.version, comment.created_at, comment.is_deleted) == (1, clock.now(), False)
    summary = await world.summary(task.id)
    assert summary is not None
    assert summary.comment_count == 1


@pytest.mark.parametrize("body", ["", "   ", "x" * (MAX_COMMENT_LENGTH + 1)])
async def test_comment_body_must_have_1_to_10000_characters(
    add: AddComment, world: World, project: Project, manager: User, body: str
) -> None:
    task = await world.task(project, manager)

    with pytest.raises(ValidationFailed) as refused:
        await add.execute(AddCommentCommand(manager.as_actor(), task.id, body))

    assert refused.value.field == "body"


async def test_viewer_cannot_comment(
    add: AddComment, world: World, project: Project, manager: User, viewer: User
) -> None:
    task = await world.task(project, manager)

    with pytest.raises(PermissionDenied):
        await add.execute(AddCommentCommand(viewer.as_actor(), task.id, "Me too"))

    summary = await world.summary(task.id)
    assert summary is not None
    assert summary.comment_count == 0


async def test_outsider_cannot_comment_on_a_task_they_cannot_see(
    add: AddComment, world: World, project: Project, manager: User, outsider: User
) -> None:
    task = await world.task(project, manager)

    with pytest.raises(NotFound, match="task not found"):
        await add.execute(AddCommentCommand(outsider.as_actor(), task.id, "Hello"))


async def test_admin_comments_on_any_task(
    add: AddComment, world: World, project: Project, manager: User, admin: User
) -> None:
    task = await world.task(project, manager)

    view = await add.execute(AddCommentCommand(admin.as_actor(), task.id, "Noted"))

    assert view.author.id == admin.id


async def test_deleted_task_takes_no_comments(
    add: AddComment, world: World, project: Project, manager: User
) -> None:
    task = await world.task(project, manager, is_deleted=True)

    with pytest.raises(NotFound):
        await add.execute(AddCommentCommand(manager.as_actor(), task.id, "Hello?"))


async def test_viewer_reads_comments_oldest_first_a_page_at_a_time(
    list_comments: ListComments, world: World, project: Project, manager: User, viewer: User
) -> None:
    task = await world.task(project, manager)
    comments = [await world.comment(task, manager, f"Note {n}") for n in range(5)]
    await world.comment(task, manager, "Withdrawn", is_deleted=True)

    page = await list_comments.execute(
        ListCommentsQuery(viewer.as_actor(), task.id, PageRequest(offset=1, limit=3))
    )

    assert [view.comment.id for view in page.items] == [c.id for c in comments[1:4]]
    assert (page.total, page.request) == (5, PageRequest(offset=1, limit=3))
    assert {view.author for view in page.items} == {UserRef(id=manager.id, full_name=manager.full_name)}


async def test_outsider_cannot_read_comments(
    list_comments: ListComments, world: World, project: Project, manager: User, outsider: User
) -> None:
    task = await world.task(project, manager)
    await world.comment(task, manager)

    with pytest.raises(NotFound, match="task not found"):
        await list_comments.execute(ListCommentsQuery(outsider.as_actor(), task.id))


async def test_comments_are_hidden_with_their_project_and_back_on_restore(
    list_comments: ListComments, world: World, project: Project, manager: User
) -> None:
    task = await world.task(project, manager)
    comment = await world.comment(task, manager)
    await world.delete_project(project)

    with pytest.raises(NotFound):
        await list_comments.execute(ListCommentsQuery(manager.as_actor(), task.id))

    await world.restore_project(project)
    page = await list_comments.execute(ListCommentsQuery(manager.as_actor(), task.id))
    assert [view.comment.id for view in page.items] == [comment.id]
