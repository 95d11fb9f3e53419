"""Rules shared by every use case that touches a project's work: who sees it and who may change it.

A project is visible to admins and its members; to anyone else it does not exist (NotFound, exactly
as for an unknown id). Admins act as managers of every project, with or without a membership row.
"""

from dataclasses import dataclass
from uuid import UUID

from domain.errors import Conflict, NotFound, PermissionDenied
from domain.projects import MemberRole, Project, ProjectRepository, Tag, TagRepository
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class ProjectAccess:
    """A project as one actor sees it: `role` is their membership (None for an admin who is no member)."""

    project: Project
    role: MemberRole | None
    is_admin: bool

    @property
    def can_write(self) -> bool:
        """Create and change tasks, tags and comments: managers, contributors and admins."""
        return self.is_admin or (self.role is not None and self.role.can_write)

    @property
    def can_manage(self) -> bool:
        """Change the project itself and its members: managers and admins."""
        return self.is_admin or self.role is MemberRole.MANAGER


async def load_project_access(
    uow: UnitOfWork, actor: Actor, project_id: UUID, *, include_deleted: bool = False
) -> ProjectAccess:
    """The project and the actor's rights on it, or NotFound when they may not see it.

    With `include_deleted`, a deleted project is found only by admins and its managers; everyone
    else gets NotFound, as if it were gone.
    """
    found = await uow.projects.get_with_member_role(project_id, actor.id, include_deleted=include_deleted)
    if found is None:
        raise NotFound("project not found")
    project, role = found
    access = ProjectAccess(project=project, role=role, is_admin=actor.is_admin)
    if role is None and not actor.is_admin:
        raise NotFound("project not found")
    if project.is_deleted and not access.can_manage:
        raise NotFound("project not found")
    return access


def ensure_can_write(access: ProjectAccess) -> None:
    if not access.can_write:
        raise PermissionDenied("viewers may not change this project's work")


def ensure_can_manage(access: ProjectAccess) -> None:
    if not access.can_manage:
        raise PermissionDenied("only the project's managers may do this")


async def ensure_not_last_manager(projects: ProjectRepository, project_id: UUID, user_id: UUID) -> None:
    """Refuse to demote or remove the last manager: nobody could manage the project after it.

    `manager_ids` locks the managers' rows until the unit of work ends, so two managers demoting
    each other at once cannot both succeed.
    """
    manager_ids = await projects.manager_ids(project_id)
    if list(manager_ids) == [user_id]:
        raise Conflict("a project must keep at least one manager")


async def ensure_key_free(projects: ProjectRepository, key: str, *, owner: UUID | None = None) -> None:
    existing = await projects.get_by_key(key)
    if existing is not None and existing.id != owner:
        raise Conflict("a project with this key already exists", field="key")


async def load_tag(uow: UnitOfWork, project_id: UUID, tag_id: UUID) -> Tag:
    """A tag of the given project; a tag of another project is 'not found', as an unknown id."""
    tag = await uow.tags.get_by_id(tag_id)
    if tag is None or tag.project_id != project_id:
        raise NotFound("tag not found")
    return tag


async def ensure_tag_name_free(tags: TagRepository, tag: Tag) -> None:
    """Tag names are unique per project, ignoring case; a tag may change the case of its own name."""
    for existing in await tags.find_by_names(tag.project_id, [tag.name]):
        if existing.id != tag.id:
            raise Conflict("the project already has a tag with this name", field="name")
