"""What a change of a task records in its history: the one home of which fields an entry shows
and how their values read (see domain/history.py)."""

from collections.abc import Collection, Mapping
from datetime import date, datetime
from uuid import UUID

from domain.history import ChangeValue, FieldChange, HistoryAction, HistoryEntry, HistoryRepository
from domain.ids import new_id
from domain.tasks import Task
from domain.users import Actor, UserRef


def person(ref: UserRef | None) -> dict[str, str] | None:
    return None if ref is None else {"id": str(ref.id), "full_name": ref.full_name}


def tag_names(tag_ids: Collection[UUID], names: Mapping[UUID, str]) -> list[str]:
    """The tags by name, sorted by code point as every list sorts text."""
    return sorted(names[tag_id] for tag_id in tag_ids if tag_id in names)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _fields(task: Task) -> dict[str, object]:
    """The fields an `updated` entry compares (the assignee by id: its name is looked up only
    when it changed)."""
    return {
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "priority": task.priority.value,
        "assignee": task.assignee_id,
        "due_date": _day(task.due_date),
    }


def _shown(value: object, people: Mapping[UUID, UserRef]) -> ChangeValue:
    if isinstance(value, UUID):
        return person(people[value])
    assert value is None or isinstance(value, str)
    return value


def record(
    history: HistoryRepository,
    actor: Actor,
    task: Task,
    action: HistoryAction,
    at: datetime,
    changes: tuple[FieldChange, ...] = (),
) -> None:
    record_for(history, actor, task.id, task.project_id, action, at, changes)


def record_for(
    history: HistoryRepository,
    actor: Actor,
    task_id: UUID,
    project_id: UUID,
    action: HistoryAction,
    at: datetime,
    changes: tuple[FieldChange, ...] = (),
) -> None:
    history.record(
        HistoryEntry(
            id=new_id(),
            task_id=task_id,
            project_id=project_id,
            actor_id=actor.id,
            at=at,
            action=action,
            changes=changes,
        )
    )


def record_comment(
    history: HistoryRepository,
    actor: Actor,
    task: Task,
    action: HistoryAction,
    at: datetime,
    before: str | None,
    after: str | None,
) -> None:
    """A comment added (from null), edited, or deleted (to null): its body, as `comment`."""
    record(history, actor, task, action, at, (FieldChange("comment", before, after),))


def record_creation(
    history: HistoryRepository, actor: Actor, task: Task, assignee: UserRef | None, names: Mapping[UUID, str]
) -> None:
    """`created`, with every field the new task has a value in (from null)."""
    people = {} if assignee is None else {assignee.id: assignee}
    shown = {name: _shown(value, people) for name, value in _fields(task).items()}
    shown["tags"] = tag_names(task.tag_ids, names)
    changes = tuple(
        FieldChange(name, None, value) for name, value in shown.items() if value not in (None, "", [])
    )
    record(history, actor, task, HistoryAction.CREATED, task.created_at, changes)


def record_update(
    history: HistoryRepository,
    actor: Actor,
    before: Task,
    after: Task,
    people: Mapping[UUID, UserRef],
    names: Mapping[UUID, str],
) -> None:
    """`updated` with the fields that changed, and `tags_changed` when the tag set did: one, the
    other or both. `people` names the assignees before and after, `names` the tags before and after."""
    old, new = _fields(before), _fields(after)
    changes = tuple(
        FieldChange(name, _shown(old[name], people), _shown(new[name], people))
        for name in old
        if old[name] != new[name]
    )
    if changes:
        record(history, actor, after, HistoryAction.UPDATED, after.updated_at, changes)
    if before.tag_ids != after.tag_ids:
        record_tags_changed(
            history, actor, after.id, after.project_id, before.tag_ids, after.tag_ids, names, after.updated_at
        )


def record_tags_changed(
    history: HistoryRepository,
    actor: Actor,
    task_id: UUID,
    project_id: UUID,
    before: Collection[UUID],
    after: Collection[UUID],
    names: Mapping[UUID, str],
    at: datetime,
) -> None:
    """`tags_changed`, the tag set before and after by name (`names` holds both sets' tags)."""
    tags = FieldChange("tags", tag_names(before, names), tag_names(after, names))
    record_for(history, actor, task_id, project_id, HistoryAction.TAGS_CHANGED, at, (tags,))
