"""What a task may refer to: an assignee from its project's team, and its project's tags."""

from collections.abc import Collection, Mapping
from uuid import UUID

from domain.errors import ValidationFailed
from domain.projects import MemberRole, Project, Tag
from domain.unit_of_work import UnitOfWork
from domain.users import User, UserRef


async def ensure_assignable(uow: UnitOfWork, project_id: UUID, assignee_id: UUID | None) -> UserRef | None:
    """The assignee, who must be a member of the project whose account still exists."""
    if assignee_id is None:
        return None
    member = await uow.projects.get_member(project_id, assignee_id)
    user = await uow.users.get_by_id(assignee_id)
    return check_assignable(user, member is not None)


def check_assignable(user: User | None, is_member: bool) -> UserRef:
    """Only a member of the project, whose account still exists, can be given its tasks."""
    if user is None or not is_member:
        raise ValidationFailed("must be a member of the task's project", field="assignee_id")
    return UserRef(id=user.id, full_name=user.full_name)


async def ensure_project_tags(
    uow: UnitOfWork, project_id: UUID, tag_ids: Collection[UUID]
) -> dict[UUID, str]:
    """The names of the project's tags by id, once every one of `tag_ids` is found among them."""
    if not tag_ids:
        return {}
    names = {tag.id: tag.name for tag in await uow.tags.list_for_project(project_id)}
    check_project_tags(names.keys(), tag_ids, field="tag_ids")
    return names


def check_project_tags(project_tag_ids: Collection[UUID], tag_ids: Collection[UUID], *, field: str) -> None:
    """Every tag put on (or taken off) a task must be one of its project's tags."""
    unknown = set(tag_ids) - set(project_tag_ids)
    if unknown:
        raise ValidationFailed(f"{len(unknown)} of these tags are not tags of the project", field=field)


class BatchReferences:
    """What a change of many tasks refers to, read once for all of them: the new assignee's
    membership in each of the tasks' projects, and the tags named. The checks are those above."""

    def __init__(
        self,
        assignee: User | None,
        assignee_roles: Mapping[UUID, tuple[Project, MemberRole | None]],
        tags: Collection[Tag],
    ) -> None:
        self._assignee = assignee
        self._assignee_roles = assignee_roles
        self._tags = tags

    @classmethod
    async def load(
        cls,
        uow: UnitOfWork,
        project_ids: Collection[UUID],
        assignee_id: UUID | None,
        tag_ids: Collection[UUID],
    ) -> "BatchReferences":
        assignee, roles = None, {}
        if assignee_id is not None:
            assignee = await uow.users.get_by_id(assignee_id)
            roles = dict(await uow.projects.get_many_with_member_role(project_ids, assignee_id))
        tags = await uow.tags.get_many(tag_ids) if tag_ids else []
        return cls(assignee, roles, tags)

    @property
    def tag_names(self) -> dict[UUID, str]:
        return {tag.id: tag.name for tag in self._tags}

    def ensure_assignable(self, project_id: UUID) -> UserRef:
        found = self._assignee_roles.get(project_id)
        return check_assignable(self._assignee, found is not None and found[1] is not None)

    def ensure_project_tags(self, project_id: UUID, tag_ids: Collection[UUID], *, field: str) -> None:
        check_project_tags(
            [tag.id for tag in self._tags if tag.project_id == project_id], tag_ids, field=field
        )
