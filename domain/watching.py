"""Watching a task: the people who follow its changes. A task's reporter and assignee watch it
from the moment they become so; anyone who sees the task may start or stop watching it."""

from collections.abc import Collection
from datetime import datetime
from typing import Protocol
from uuid import UUID


class WatcherRepository(Protocol):
    async def watch(self, task_ids: Collection[UUID], user_ids: Collection[UUID], at: datetime) -> None:
        """Every one of the users watches every one of the tasks; who already does is left as is."""
        ...

    async def unwatch(self, task_id: UUID, user_id: UUID) -> None:
        """The user stops watching the task; not watching it already is no error."""
        ...
