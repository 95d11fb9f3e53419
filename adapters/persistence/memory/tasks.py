from collections.abc import Collection, Sequence
from uuid import UUID

from adapters.persistence.memory.projects import MEMBERS, PROJECTS
from adapters.persistence.memory.sorting import page_of
from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.tags import TAGS
from domain.errors import Conflict, StaleVersion
from domain.paging import Page, PageRequest, SortKey
from domain.projects import Project, Tag, tag_name_key
from domain.tasks import ProjectRef, TagRef, Task, TaskFilters, TaskKey, TaskSummary, task_keyset
from domain.users import User, UserRef

TASKS = "tasks"
_USERS = "users"
_COMMENTS = "comments"
# The watchers' table (adapters/persistence/memory/watchers.py), read here for `watching`.
_WATCHERS = "task_watchers"


class InMemoryTaskRepository:
    """Tasks kept in the memory store; summaries are joined here as the SQL adapter joins them.

    A task is visible only while its project is live, so deleting a project hides its tasks
    and restoring it brings them back, without touching the task rows.
    """

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def create(self, task: Task) -> None:
        # Mirrors the foreign keys of tasks and task_tags, and the unique (project_id, number).
        references = [(PROJECTS, task.project_id), (_USERS, task.reporter_id)]
        if task.assignee_id is not None:
            references.append((_USERS, task.assignee_id))
        references.extend((TAGS, tag_id) for tag_id in task.tag_ids)
        if any(self._store.get(table, key) is None for table, key in references):
            raise Conflict("the change conflicts with existing data")
        for other in self._store.rows(TASKS):
            if other.project_id == task.project_id and other.number == task.number:
                raise Conflict("the change conflicts with existing data")
        self._store.put(TASKS, task.id, task)

    async def get_by_id(self, task_id: UUID, *, include_deleted: bool = False) -> Task | None:
        task: Task | None = self._store.get(TASKS, task_id)
        if task is None or not self._visible(task, include_deleted=include_deleted):
            return None
        return task

    async def find_id_by_key(self, project_key: str, number: int) -> UUID | None:
        project_ids = {
            project.id
            for project in self._store.rows(PROJECTS)
            if project.key == project_key and not project.is_deleted
        }
        return next(
            (t.id for t in self._store.rows(TASKS) if t.project_id in project_ids and t.number == number),
            None,
        )

    async def get_many(self, task_ids: Collection[UUID]) -> Sequence[Task]:
        return [task for task_id in task_ids if (task := await self.get_by_id(task_id)) is not None]

    async def get_summary(
        self, task: UUID | TaskKey, *, include_deleted: bool = False, viewer: UUID | None = None
    ) -> TaskSummary | None:
        task_id = task if isinstance(task, UUID) else await self.find_id_by_key(*task)
        found = None if task_id is None else await self.get_by_id(task_id, include_deleted=include_deleted)
        if found is None:
            return None
        return self._joiner(viewer).summary(found)

    async def get_summaries(
        self, task_ids: Sequence[UUID], *, viewer: UUID | None = None
    ) -> Sequence[TaskSummary]:
        joiner = self._joiner(viewer)
        return [joiner.summary(task) for task in await self.get_many(task_ids)]

    async def list(
        self, filters: TaskFilters, sort: Sequence[SortKey], page: PageRequest, *, viewer: UUID | None = None
    ) -> Page[TaskSummary]:
        joiner = self._joiner(viewer)
        watched = None if filters.watched_by is None else self._watched_by(filters.watched_by)
        member_projects = None if filters.visible_to is None else self._project_ids_of(filters.visible_to)
        wanted_tags = {tag_name_key(name) for name in filters.tag_names}
        needle = None if filters.text is None else filters.text.casefold()
        matching: list[TaskSummary] = []
        for task in self._store.rows(TASKS):
            project = joiner.projects.get(task.project_id)
            if project is None or project.is_deleted:
                continue
            if member_projects is not None and task.project_id not in member_projects:
                continue
            if not _matches(task, filters) or (watched is not None and task.id not in watched):
                continue
            summary = joiner.summary(task)
            if wanted_tags and not wanted_tags & {tag_name_key(tag.name) for tag in summary.tags}:
                continue
            if needle is not None and needle not in task.title.casefold():
                continue
            matching.append(summary)
        return page_of(matching, sort, page, lambda summary: task_keyset(summary, sort))

    async def update(self, task: Task) -> None:
        self._save(task)

    async def soft_delete(self, task: Task) -> None:
        self._save(task)

    async def restore(self, task: Task) -> None:
        self._save(task)

    async def tag_sets_carrying(self, tag_id: UUID) -> dict[UUID, frozenset[UUID]]:
        return {task.id: task.tag_ids for task in self._store.rows(TASKS) if tag_id in task.tag_ids}

    async def count_assigned(self, project_id: UUID, user_id: UUID) -> int:
        return sum(
            1
            for task in self._store.rows(TASKS)
            if task.project_id == project_id and task.assignee_id == user_id and not task.is_deleted
        )

    def _visible(self, task: Task, *, include_deleted: bool) -> bool:
        project: Project | None = self._store.get(PROJECTS, task.project_id)
        return project is not None and not project.is_deleted and (include_deleted or not task.is_deleted)

    def _project_ids_of(self, user_id: UUID) -> set[UUID]:
        return {member.project_id for member in self._store.rows(MEMBERS) if member.user_id == user_id}

    def _watched_by(self, user_id: UUID) -> set[UUID]:
        return {watcher.task_id for watcher in self._store.rows(_WATCHERS) if watcher.user_id == user_id}

    def _joiner(self, viewer: UUID | None = None) -> "_Joiner":
        return _Joiner(self._store, set() if viewer is None else self._watched_by(viewer))

    def _save(self, task: Task) -> None:
        stored: Task | None = self._store.get(TASKS, task.id)
        if stored is None or stored.version != task.version - 1:
            raise StaleVersion("the task was changed by another request")
        # Mirrors the foreign key of task_tags: a tag that does not exist cannot be linked.
        if any(self._store.get(TAGS, tag_id) is None for tag_id in task.tag_ids - stored.tag_ids):
            raise Conflict("the change conflicts with existing data")
        self._store.put(TASKS, task.id, task)


class _Joiner:
    """The related rows a summary embeds, read once per call (the memory twin of eager loading)."""

    def __init__(self, store: MemoryStore, watched: set[UUID]) -> None:
        self._watched = watched
        self.projects: dict[UUID, Project] = {p.id: p for p in store.rows(PROJECTS)}
        self._users: dict[UUID, User] = {u.id: u for u in store.rows(_USERS)}
        self._tags: dict[UUID, Tag] = {t.id: t for t in store.rows(TAGS)}
        self._comment_counts: dict[UUID, int] = {}
        for comment in store.rows(_COMMENTS):
            if not comment.is_deleted:
                self._comment_counts[comment.task_id] = self._comment_counts.get(comment.task_id, 0) + 1

    def summary(self, task: Task) -> TaskSummary:
        project = self.projects[task.project_id]
        # A tag deleted from the project is no longer on the task (SQL deletes the association rows).
        tags = sorted(
            (self._tags[tag_id] for tag_id in task.tag_ids if tag_id in self._tags),
            key=lambda tag: (tag.name, tag.id),
        )
        return TaskSummary(
            id=task.id,
            project=ProjectRef(id=project.id, key=project.key, name=project.name),
            number=task.number,
            title=task.title,
            description=task.description,
            status=task.status,
            priority=task.priority,
            assignee=None if task.assignee_id is None else self._user_ref(task.assignee_id),
            reporter=self._user_ref(task.reporter_id),
            due_date=task.due_date,
            completed_at=task.completed_at,
            tags=tuple(TagRef(id=tag.id, name=tag.name, color=tag.color) for tag in tags),
            comment_count=self._comment_counts.get(task.id, 0),
            watching=task.id in self._watched,
            is_deleted=task.is_deleted,
            created_at=task.created_at,
            updated_at=task.updated_at,
            version=task.version,
        )

    def _user_ref(self, user_id: UUID) -> UserRef:
        user = self._users[user_id]
        return UserRef(id=user.id, full_name=user.full_name)


def _matches(task: Task, filters: TaskFilters) -> bool:
    return (
        (filters.include_deleted or not task.is_deleted)
        and (filters.project_id is None or task.project_id == filters.project_id)
        and (not filters.statuses or task.status in filters.statuses)
        and (not filters.priorities or task.priority in filters.priorities)
        and (not filters.unassigned or task.assignee_id is None)
        and (filters.unassigned or filters.assignee_id is None or task.assignee_id == filters.assignee_id)
        and (filters.reporter_id is None or task.reporter_id == filters.reporter_id)
        and (filters.due_before is None or (task.due_date is not None and task.due_date < filters.due_before))
        and (filters.due_after is None or (task.due_date is not None and task.due_date > filters.due_after))
    )
