"""What a task may refer to: an assignee from its project's team, and its project's tags."""

from collections.abc import Collection
from uuid import UUID

from domain.errors import ValidationFailed
from domain.unit_of_work import UnitOfWork


async def ensure_assignable(uow: UnitOfWork, project_id: UUID, assignee_id: UUID | None) -> None:
    """Only a member of the project, whose account still exists, can be given its tasks."""
    if assignee_id is None:
        return
    member = await uow.projects.get_member(project_id, assignee_id)
    if member is None or await uow.users.get_by_id(assignee_id) is None:
        raise ValidationFailed("must be a member of the task's project", field="assignee_id")


async def ensure_project_tags(uow: UnitOfWork, project_id: UUID, tag_ids: Collection[UUID]) -> None:
    """Every tag put on a task must be one of its project's tags."""
    if not tag_ids:
        return
    known = {tag.id for tag in await uow.tags.list_for_project(project_id)}
    unknown = set(tag_ids) - known
    if unknown:
        raise ValidationFailed(f"{len(unknown)} of these tags are not tags of the project", field="tag_ids")
