"""polyfactory factories for the work a project tracks: projects, members, tags, tasks, comments."""

from datetime import date, timedelta
from itertools import count
from uuid import UUID

from polyfactory import Use
from polyfactory.factories import DataclassFactory

from domain.comments import Comment
from domain.ids import new_id
from domain.projects import MemberRole, Project, ProjectMember, Tag
from domain.tasks import Priority, Task, TaskStatus, TaskSummary
from tests.factories import utc_instant

_random = DataclassFactory.__random__
_faker = DataclassFactory.__faker__


_keys = count(1)


def unique_project_key() -> str:
    """PB, PC, ..., PZ, PBA, ...: letters only, as project keys must be, and unique in a test process."""
    number, letters = next(_keys), ""
    while number:
        number, digit = divmod(number, 26)
        letters = chr(ord("A") + digit) + letters
    return "P" + letters


def sentence(max_chars: int) -> str:
    return str(_faker.sentence(nb_words=6))[:max_chars].strip()


def tag_color() -> str:
    return f"#{_random.randrange(0x1000000):06x}"


def future_date() -> date:
    return date(2026, 1, 1) + timedelta(days=_random.randint(0, 400))


class ProjectFactory(DataclassFactory[Project]):
    id = Use(new_id)
    key = Use(unique_project_key)
    name = Use(lambda: sentence(200))
    description = Use(lambda: str(_faker.paragraph()))
    is_deleted = False
    created_at = Use(utc_instant)
    updated_at = Use(utc_instant)
    version = 1


class ProjectMemberFactory(DataclassFactory[ProjectMember]):
    project_id = Use(new_id)
    user_id = Use(new_id)
    role = MemberRole.CONTRIBUTOR
    created_at = Use(utc_instant)
    updated_at = Use(utc_instant)


class TagFactory(DataclassFactory[Tag]):
    id = Use(new_id)
    project_id = Use(new_id)
    name = Use(lambda: str(_faker.word()))
    color = Use(tag_color)
    created_at = Use(utc_instant)
    updated_at = Use(utc_instant)


class TaskFactory(DataclassFactory[Task]):
    id = Use(new_id)
    project_id = Use(new_id)
    number = Use(lambda: _random.randint(1, 10_000))
    title = Use(lambda: sentence(200))
    description = Use(lambda: str(_faker.paragraph()))
    status = TaskStatus.TODO
    priority = Priority.MEDIUM
    assignee_id = None
    reporter_id = Use(new_id)
    due_date = None
    completed_at = None
    tag_ids: frozenset[UUID] = frozenset()
    is_deleted = False
    created_at = Use(utc_instant)
    updated_at = Use(utc_instant)
    version = 1


class CommentFactory(DataclassFactory[Comment]):
    id = Use(new_id)
    task_id = Use(new_id)
    author_id = Use(new_id)
    body = Use(lambda: str(_faker.paragraph()))
    is_deleted = False
    created_at = Use(utc_instant)
    updated_at = Use(utc_instant)
    version = 1


def task_fields(shown: Task | TaskSummary) -> dict[str, object]:
    """What a task and a summary of it both say about the task: a summary shows the task as
    stored when the two are equal."""
    if isinstance(shown, Task):
        assignee_id, reporter_id, tag_ids = shown.assignee_id, shown.reporter_id, shown.tag_ids
    else:
        assignee_id = None if shown.assignee is None else shown.assignee.id
        reporter_id, tag_ids = shown.reporter.id, frozenset(tag.id for tag in shown.tags)
    return {
        "id": shown.id,
        "project_id": shown.project_id,
        "number": shown.number,
        "title": shown.title,
        "description": shown.description,
        "status": shown.status,
        "priority": shown.priority,
        "assignee_id": assignee_id,
        "reporter_id": reporter_id,
        "due_date": shown.due_date,
        "completed_at": shown.completed_at,
        "tag_ids": tag_ids,
        "is_deleted": shown.is_deleted,
        "created_at": shown.created_at,
        "updated_at": shown.updated_at,
        "version": shown.version,
    }
