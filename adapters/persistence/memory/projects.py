import uuid
from collections.abc import Collection, Sequence
from uuid import UUID

from adapters.persistence.memory.sorting import page_of
from adapters.persistence.memory.store import MemoryStore
from domain.errors import Conflict, NotFound, StaleVersion
from domain.paging import Keyset, Page, PageRequest, SortKey
from domain.projects import MemberRole, MemberView, Project, ProjectFilters, ProjectMember
from domain.users import User

PROJECTS = "projects"
MEMBERS = "project_members"
# The per-project task counter, kept apart because the Project entity does not carry it.
TASK_COUNTERS = "project_task_counters"
_USERS = "users"


def member_key(project_id: UUID, user_id: UUID) -> UUID:
    """The memory store keys rows by one UUID; a membership is keyed by its (project, user) pair."""
    return uuid.uuid5(project_id, str(user_id))


class InMemoryProjectRepository:
    """Projects and memberships kept in the memory store, with the constraints the schema enforces."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def create(self, project: Project) -> None:
        self._ensure_key_unique(project)
        self._store.put(PROJECTS, project.id, project)

    async def get_by_id(self, project_id: UUID, *, include_deleted: bool = False) -> Project | None:
        project: Project | None = self._store.get(PROJECTS, project_id)
        if project is None or (project.is_deleted and not include_deleted):
            return None
        return project

    async def get_by_key(self, key: str) -> Project | None:
        return next((p for p in self._store.rows(PROJECTS) if p.key == key and not p.is_deleted), None)

    async def list(
        self, filters: ProjectFilters, sort: Sequence[SortKey], page: PageRequest
    ) -> Page[Project]:
        member_of = None
        if filters.member_id is not None:
            member_of = {m.project_id for m in self._store.rows(MEMBERS) if m.user_id == filters.member_id}
        matching = (p for p in self._store.rows(PROJECTS) if _matches(p, filters, member_of))
        return page_of(matching, sort, page, lambda project: Keyset.of(project, sort))

    async def update(self, project: Project) -> None:
        self._save(project)

    async def soft_delete(self, project: Project) -> None:
        self._save(project)

    async def restore(self, project: Project) -> None:
        self._save(project)

    async def next_task_number(self, project_id: UUID) -> int:
        if self._store.get(PROJECTS, project_id) is None:
            raise NotFound("project not found")
        number: int = (self._store.get(TASK_COUNTERS, project_id) or 0) + 1
        self._store.put(TASK_COUNTERS, project_id, number)
        return number

    async def get_member(self, project_id: UUID, user_id: UUID) -> ProjectMember | None:
        member: ProjectMember | None = self._store.get(MEMBERS, member_key(project_id, user_id))
        return member

    async def get_with_member_role(
        self, project_id: UUID, user_id: UUID, *, include_deleted: bool = False
    ) -> tuple[Project, MemberRole | None] | None:
        project = await self.get_by_id(project_id, include_deleted=include_deleted)
        if project is None:
            return None
        member = await self.get_member(project_id, user_id)
        return project, None if member is None else member.role

    async def get_many_with_member_role(
        self, project_ids: Collection[UUID], user_id: UUID
    ) -> dict[UUID, tuple[Project, MemberRole | None]]:
        found = {}
        for project_id in project_ids:
            with_role = await self.get_with_member_role(project_id, user_id)
            if with_role is not None:
                found[project_id] = with_role
        return found

    async def list_members(self, project_id: UUID) -> Sequence[MemberView]:
        views = []
        for member in self._store.rows(MEMBERS):
            user: User | None = self._store.get(_USERS, member.user_id)
            if member.project_id != project_id or user is None or user.is_deleted:
                continue
            views.append(
                MemberView(
                    user_id=user.id,
                    full_name=user.full_name,
                    email=user.email,
                    role=member.role,
                    created_at=member.created_at,
                    updated_at=member.updated_at,
                )
            )
        roles = list(MemberRole)
        return sorted(views, key=lambda view: (roles.index(view.role), view.full_name, view.user_id))

    async def save_member(self, member: ProjectMember) -> None:
        # Mirrors the foreign keys of project_members.
        if (
            self._store.get(PROJECTS, member.project_id) is None
            or self._store.get(_USERS, member.user_id) is None
        ):
            raise Conflict("the change conflicts with existing data")
        self._store.put(MEMBERS, member_key(member.project_id, member.user_id), member)

    async def remove_member(self, project_id: UUID, user_id: UUID) -> None:
        self._store.delete(MEMBERS, member_key(project_id, user_id))

    async def manager_ids(self, project_id: UUID) -> Sequence[UUID]:
        # The store lets one unit of work in at a time, so the rows read here cannot change under it.
        ids = []
        for member in self._store.rows(MEMBERS):
            if member.project_id == project_id and member.role is MemberRole.MANAGER:
                user: User | None = self._store.get(_USERS, member.user_id)
                if user is not None and not user.is_deleted:
                    ids.append(member.user_id)
        return sorted(ids)

    def _save(self, project: Project) -> None:
        stored: Project | None = self._store.get(PROJECTS, project.id)
        if stored is None or stored.version != project.version - 1:
            raise StaleVersion("the project was changed by another request")
        self._ensure_key_unique(project)
        self._store.put(PROJECTS, project.id, project)

    def _ensure_key_unique(self, project: Project) -> None:
        # Mirrors the partial unique index on projects.key for live projects.
        if project.is_deleted:
            return
        for other in self._store.rows(PROJECTS):
            if other.id != project.id and other.key == project.key and not other.is_deleted:
                raise Conflict("a project with this key already exists", field="key")


def _matches(project: Project, filters: ProjectFilters, member_of: set[UUID] | None) -> bool:
    needle = None if filters.text is None else filters.text.casefold()
    return (
        (filters.include_deleted or not project.is_deleted)
        and (member_of is None or project.id in member_of)
        and (needle is None or needle in project.key.casefold() or needle in project.name.casefold())
    )
