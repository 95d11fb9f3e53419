from collections.abc import Collection, Sequence
from uuid import UUID

from adapters.persistence.memory.projects import PROJECTS
from adapters.persistence.memory.store import MemoryStore
from domain.errors import Conflict
from domain.projects import Project, Tag, tag_name_key

TAGS = "tags"
_TASKS = "tasks"


class InMemoryTagRepository:
    """Tags kept in the memory store; a deleted project hides its tags, as the SQL joins do."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def create(self, tag: Tag) -> None:
        # Mirrors the foreign key to projects.
        if self._store.get(PROJECTS, tag.project_id) is None:
            raise Conflict("the change conflicts with existing data")
        self._ensure_name_unique(tag)
        self._store.put(TAGS, tag.id, tag)

    async def get_by_id(self, tag_id: UUID) -> Tag | None:
        tag: Tag | None = self._store.get(TAGS, tag_id)
        if tag is None or not self._project_is_live(tag.project_id):
            return None
        return tag

    async def list_for_project(self, project_id: UUID) -> Sequence[Tag]:
        if not self._project_is_live(project_id):
            return []
        tags = [tag for tag in self._store.rows(TAGS) if tag.project_id == project_id]
        return sorted(tags, key=lambda tag: (tag.name, tag.id))

    async def get_many(self, tag_ids: Collection[UUID]) -> Sequence[Tag]:
        return [tag for tag_id in tag_ids if (tag := await self.get_by_id(tag_id)) is not None]

    async def find_by_names(self, project_id: UUID, names: Sequence[str]) -> Sequence[Tag]:
        wanted = {tag_name_key(name) for name in names}
        return [tag for tag in await self.list_for_project(project_id) if tag.name_key in wanted]

    async def update(self, tag: Tag) -> None:
        if self._store.get(TAGS, tag.id) is None:
            return
        self._ensure_name_unique(tag)
        self._store.put(TAGS, tag.id, tag)

    async def delete(self, tag_id: UUID) -> None:
        # As ON DELETE CASCADE on task_tags: the links go, the tasks themselves are not touched.
        carriers = [task for task in self._store.rows(_TASKS) if tag_id in task.tag_ids]
        for task in carriers:
            task.tag_ids = task.tag_ids - {tag_id}
            self._store.put(_TASKS, task.id, task)
        self._store.delete(TAGS, tag_id)

    def _project_is_live(self, project_id: UUID) -> bool:
        project: Project | None = self._store.get(PROJECTS, project_id)
        return project is not None and not project.is_deleted

    def _ensure_name_unique(self, tag: Tag) -> None:
        # Mirrors the unique index on (project_id, folded name).
        for other in self._store.rows(TAGS):
            if other.id != tag.id and other.project_id == tag.project_id and other.name_key == tag.name_key:
                raise Conflict("the project already has a tag with this name", field="name")
