from uuid import UUID

from adapters.persistence.memory.sorting import page_of
from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.tasks import TASKS
from domain.history import HISTORY_SORT, ActivityFilters, HistoryEntry, HistoryView, history_keyset
from domain.paging import Page, PageRequest
from domain.tasks import Task
from domain.users import User, UserRef

HISTORY = "task_history"
_USERS = "users"


class InMemoryHistoryRepository:
    """History entries in the memory store. An entry is stored as it is recorded: the store's undo
    log takes it back out if the unit of work (or the savepoint around it) rolls back."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def record(self, entry: HistoryEntry) -> None:
        self._store.put(HISTORY, entry.id, entry)

    async def list_for_task(self, task_id: UUID, page: PageRequest) -> Page[HistoryView]:
        entries = [entry for entry in self._store.rows(HISTORY) if entry.task_id == task_id]
        return self._page(entries, page)

    async def list_for_project(
        self, project_id: UUID, filters: ActivityFilters, page: PageRequest
    ) -> Page[HistoryView]:
        entries = [
            entry
            for entry in self._store.rows(HISTORY)
            if entry.project_id == project_id
            and (filters.actor_id is None or entry.actor_id == filters.actor_id)
            and (not filters.actions or entry.action in filters.actions)
            and (filters.since is None or entry.at >= filters.since)
            and (filters.include_deleted_tasks or self._task_is_live(entry.task_id))
        ]
        return self._page(entries, page)

    def _task_is_live(self, task_id: UUID) -> bool:
        task: Task | None = self._store.get(TASKS, task_id)
        return task is not None and not task.is_deleted

    def _page(self, entries: list[HistoryEntry], page: PageRequest) -> Page[HistoryView]:
        return page_of((self._view(entry) for entry in entries), HISTORY_SORT, page, history_keyset)

    def _view(self, entry: HistoryEntry) -> HistoryView:
        actor: User | None = self._store.get(_USERS, entry.actor_id)
        assert actor is not None, "task_history.actor_id references users"
        return HistoryView(entry=entry, actor=UserRef(id=actor.id, full_name=actor.full_name))
