import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore

WATCHERS = "task_watchers"
_TASKS = "tasks"
_USERS = "users"


@dataclass(frozen=True, slots=True)
class Watcher:
    task_id: UUID
    user_id: UUID
    created_at: datetime


def watcher_key(task_id: UUID, user_id: UUID) -> UUID:
    """The memory store keys rows by one UUID; a watcher is keyed by its (task, user) pair."""
    return uuid.uuid5(task_id, str(user_id))


class InMemoryWatcherRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def watch(self, task_ids: Collection[UUID], user_ids: Collection[UUID], at: datetime) -> None:
        for task_id in task_ids:
            for user_id in user_ids:
                key = watcher_key(task_id, user_id)
                if self._store.get(WATCHERS, key) is None:
                    self._store.put(WATCHERS, key, Watcher(task_id=task_id, user_id=user_id, created_at=at))

    async def unwatch(self, task_id: UUID, user_id: UUID) -> None:
        self._store.delete(WATCHERS, watcher_key(task_id, user_id))
