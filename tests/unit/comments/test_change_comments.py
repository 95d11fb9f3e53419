import pytest

from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.comments.delete_comment import DeleteComment, DeleteCommentCommand
from application.comments.update_comment import UpdateComment, UpdateCommentCommand
from domain.comments import Comment
from domain.errors import NotFound, PermissionDenied, StaleVersion, ValidationFailed
from domain.projects import MemberRole, Project
from domain.tasks import Task
from domain.users import User
from tests.contract.task_world import World
from tests.unit.fakes import FakeClock


@pytest.fixture
def update(uow: InMemoryUnitOfWork, clock: FakeClock) -> UpdateComment:
    return UpdateComment(uow, clock)


@pytest.fixture
def delete(uow: InMemoryUnitOfWork, clock: FakeClock) -> DeleteComment:
    return DeleteComment(uow, clock)


@pytest.fixture
async def task(world: World, project: Project, manager: User) -> Task:
    return await world.task(project, manager)


@pytest.fixture
async def comment(world: World, task: Task, contributor: User) -> Comment:
    """A comment written by the contributor."""
    return await world.comment(task, contributor, "First draft")


async def comment_count(world: World, task: Task) -> int:
    summary = await world.summary(task.id)
    assert summary is not None
    return summary.comment_count


@pytest.mark.parametrize("editor", ["contributor", "manager", "admin"])
async def test_author_manager_or_admin_edits_a_comment(
    update: UpdateComment,
    comment: Comment,
    clock: FakeClock,
    people: dict[str, User],
    editor: str,
) -> None:
    actor: User = people[editor]
    later = clock.advance()

    view = await update.execute(UpdateCommentCommand(actor.as_actor(), comment.id, " Second draft "))

    assert (view.comment.body, view.comment.version, view.comment.updated_at) == ("Second draft", 2, later)
    # The author stays the author, whoever edits.
    assert view.comment.author_id == comment.author_id


async def test_author_who_became_a_viewer_can_no_longer_change_their_comment(
    update: UpdateComment,
    delete: DeleteComment,
    world: World,
    project: Project,
    comment: Comment,
    contributor: User,
) -> None:
    # Viewers write nothing, not even their own earlier comments.
    await world.join(project, contributor, MemberRole.VIEWER)

    with pytest.raises(PermissionDenied):
        await update.execute(UpdateCommentCommand(contributor.as_actor(), comment.id, "Reworded"))
    with pytest.raises(PermissionDenied):
        await delete.execute(DeleteCommentCommand(contributor.as_actor(), comment.id))


@pytest.mark.parametrize("role", [MemberRole.CONTRIBUTOR, MemberRole.VIEWER])
async def test_other_members_cannot_edit_or_delete_a_comment(
    update: UpdateComment,
    delete: DeleteComment,
    world: World,
    project: Project,
    comment: Comment,
    role: MemberRole,
) -> None:
    other = await world.member(project, role)

    with pytest.raises(PermissionDenied):
        await update.execute(UpdateCommentCommand(other.as_actor(), comment.id, "Hijacked"))
    with pytest.raises(PermissionDenied):
        await delete.execute(DeleteCommentCommand(other.as_actor(), comment.id))


async def test_outsider_is_told_the_comment_does_not_exist(
    update: UpdateComment, delete: DeleteComment, comment: Comment, outsider: User
) -> None:
    with pytest.raises(NotFound, match="comment not found"):
        await update.execute(UpdateCommentCommand(outsider.as_actor(), comment.id, "Hijacked"))
    with pytest.raises(NotFound, match="comment not found"):
        await delete.execute(DeleteCommentCommand(outsider.as_actor(), comment.id))


async def test_same_body_again_keeps_the_version(
    update: UpdateComment, comment: Comment, contributor: User
) -> None:
    view = await update.execute(UpdateCommentCommand(contributor.as_actor(), comment.id, "First draft"))

    assert view.comment == comment


async def test_edit_to_a_blank_body_is_refused(
    update: UpdateComment, comment: Comment, contributor: User
) -> None:
    with pytest.raises(ValidationFailed):
        await update.execute(UpdateCommentCommand(contributor.as_actor(), comment.id, "  "))


async def test_edit_from_a_stale_version_is_refused(
    update: UpdateComment, comment: Comment, contributor: User
) -> None:
    actor = contributor.as_actor()
    await update.execute(UpdateCommentCommand(actor, comment.id, "Second", expected_version=1))

    with pytest.raises(StaleVersion):
        await update.execute(UpdateCommentCommand(actor, comment.id, "Third", expected_version=1))


@pytest.mark.parametrize("deleter", ["contributor", "manager", "admin"])
async def test_author_manager_or_admin_deletes_a_comment_which_stops_counting(
    delete: DeleteComment,
    world: World,
    task: Task,
    comment: Comment,
    people: dict[str, User],
    deleter: str,
) -> None:
    actor: User = people[deleter]
    assert await comment_count(world, task) == 1

    await delete.execute(DeleteCommentCommand(actor.as_actor(), comment.id, expected_version=1))

    assert await comment_count(world, task) == 0


async def test_deleted_comment_cannot_be_edited_or_deleted_again(
    update: UpdateComment, delete: DeleteComment, comment: Comment, contributor: User
) -> None:
    await delete.execute(DeleteCommentCommand(contributor.as_actor(), comment.id))

    with pytest.raises(NotFound):
        await update.execute(UpdateCommentCommand(contributor.as_actor(), comment.id, "Back?"))
    with pytest.raises(NotFound):
        await delete.execute(DeleteCommentCommand(contributor.as_actor(), comment.id))


async def test_delete_from_a_stale_version_is_refused(
    delete: DeleteComment,
    update: UpdateComment,
    comment: Comment,
    contributor: User,
    world: World,
    task: Task,
) -> None:
    await update.execute(UpdateCommentCommand(contributor.as_actor(), comment.id, "Second"))

    with pytest.raises(StaleVersion):
        await delete.execute(DeleteCommentCommand(contributor.as_actor(), comment.id, expected_version=1))

    assert await comment_count(world, task) == 1


async def test_comment_of_a_deleted_task_is_not_found_until_the_task_is_restored(
    update: UpdateComment, world: World, task: Task, comment: Comment, contributor: User
) -> None:
    await world.delete_task(task)

    with pytest.raises(NotFound):
        await update.execute(UpdateCommentCommand(contributor.as_actor(), comment.id, "Edited"))

    await world.restore_task(task)
    view = await update.execute(UpdateCommentCommand(contributor.as_actor(), comment.id, "Edited"))
    assert view.comment.body == "Edited"
