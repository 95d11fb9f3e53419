from collections.abc import Sequence
from uuid import UUID

from adapters.persistence.memory.projects import PROJECTS
from adapters.persistence.memory.sorting import page_of
from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.tasks import TASKS
from domain.comments import COMMENT_SORT, Comment, CommentView, comment_keyset
from domain.errors import Conflict, StaleVersion
from domain.paging import Page, PageRequest
from domain.projects import Project
from domain.tasks import Task
from domain.users import User, UserRef

COMMENTS = "comments"
_USERS = "users"


class InMemoryCommentRepository:
    """Comments kept in the memory store, visible only while they, their task and its project are live."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def create(self, comment: Comment) -> None:
        # Mirrors the foreign keys of comments.
        if (
            self._store.get(TASKS, comment.task_id) is None
            or self._store.get(_USERS, comment.author_id) is None
        ):
            raise Conflict("the change conflicts with existing data")
        self._store.put(COMMENTS, comment.id, comment)

    async def get_by_id(self, comment_id: UUID) -> Comment | None:
        comment: Comment | None = self._store.get(COMMENTS, comment_id)
        if comment is None or comment.is_deleted or not self._task_is_live(comment.task_id):
            return None
        return comment

    async def get_view(self, comment_id: UUID) -> CommentView | None:
        comment = await self.get_by_id(comment_id)
        return None if comment is None else self._view(comment)

    async def list_for_task(self, task_id: UUID, page: PageRequest) -> Page[CommentView]:
        views = (self._view(comment) for comment in self._live_comments_of(task_id))
        return page_of(views, COMMENT_SORT, page, comment_keyset)

    async def latest_for_task(self, task_id: UUID, limit: int) -> Sequence[CommentView]:
        newest = sorted(self._live_comments_of(task_id), key=lambda c: (c.created_at, c.id))[-limit:]
        return [self._view(c) for c in newest]

    async def update(self, comment: Comment) -> None:
        self._save(comment)

    async def soft_delete(self, comment: Comment) -> None:
        self._save(comment)

    def _live_comments_of(self, task_id: UUID) -> list[Comment]:
        if not self._task_is_live(task_id):
            return []
        return [c for c in self._store.rows(COMMENTS) if c.task_id == task_id and not c.is_deleted]

    def _task_is_live(self, task_id: UUID) -> bool:
        task: Task | None = self._store.get(TASKS, task_id)
        if task is None or task.is_deleted:
            return False
        project: Project | None = self._store.get(PROJECTS, task.project_id)
        return project is not None and not project.is_deleted

    def _view(self, comment: Comment) -> CommentView:
        author: User | None = self._store.get(_USERS, comment.author_id)
        assert author is not None, "comments.author_id references users"
        return CommentView(comment=comment, author=UserRef(id=author.id, full_name=author.full_name))

    def _save(self, comment: Comment) -> None:
        stored: Comment | None = self._store.get(COMMENTS, comment.id)
        if stored is None or stored.version != comment.version - 1:
            raise StaleVersion("the comment was changed by another request")
        self._store.put(COMMENTS, comment.id, comment)
