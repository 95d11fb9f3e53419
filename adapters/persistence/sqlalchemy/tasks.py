import builtins
import functools
import operator
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    Uuid,
    any_,
    bindparam,
    delete,
    exists,
    false,
    func,
    insert,
    select,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from adapters.persistence.sqlalchemy.mappers import copy_task_onto_model, task_from_model
from adapters.persistence.sqlalchemy.models import (
    CommentModel,
    ProjectMemberModel,
    ProjectModel,
    TagModel,
    TaskModel,
    UserModel,
    live_task_counts,
    task_tags,
    task_watchers,
)
from adapters.persistence.sqlalchemy.sorting import (
    LIMIT,
    OFFSET,
    Term,
    after_parameters,
    by_code_point,
    keyset_nulls,
    order_by,
    page_parameters,
    paged_by_parameters,
    rows_and_total,
    with_total,
)
from domain.errors import Conflict, StaleVersion
from domain.paging import Page, PageRequest, SortKey
from domain.projects import tag_name_key
from domain.tasks import (
    Priority,
    ProjectRef,
    TagRef,
    Task,
    TaskFilters,
    TaskKey,
    TaskStatus,
    TaskSummary,
    rank,
    task_keyset,
)
from domain.users import UserRef

# The read side goes through the tables (SQLAlchemy Core): each row becomes a read model directly,
# with no ORM object, identity map or relationship loading on the way. Writes use the models, and
# flush at once: a Core statement does not autoflush, and a summary read after a write must see it.
_tasks = TaskModel.__table__
_projects = ProjectModel.__table__
_members = ProjectMemberModel.__table__
_tags = TagModel.__table__
_comments = CommentModel.__table__
_assignees = UserModel.__table__.alias("assignee")
_reporters = UserModel.__table__.alias("reporter")
_watchers = task_watchers

# `~is_deleted` as the partial indexes of live tasks spell their WHERE (see models.LIVE_TASK).
_LIVE_TASK = ~_tasks.c.is_deleted
_LIVE_PROJECT = ~_projects.c.is_deleted
_OF_PROJECTS = _tasks.join(_projects, _projects.c.id == _tasks.c.project_id)

# A task's live comments, counted in the statement that reads the task (or its page): one lookup
# in the comments' task index per row, and no statement of its own.
_COMMENT_COUNT = (
    select(func.count())
    .where(_comments.c.task_id == _tasks.c.id, ~_comments.c.is_deleted)
    .correlate(_tasks)
    .scalar_subquery()
    .label("comment_count")
)

# Exactly what a TaskSummary shows: the task's own fields (not title_folded or the ranks), the
# project's key and name, the names of assignee and reporter (their ids are the task's), and the
# number of live comments.
_SUMMARY_COLUMNS = (
    _tasks.c.id,
    _tasks.c.project_id,
    _tasks.c.number,
    _tasks.c.title,
    _tasks.c.description,
    # The ranks, not the names: a small integer each that _summary_from_row turns into its member
    # by position, where the named columns' Enum type would run two Python calls per value (two
    # hundred per page). The rank's CHECK constraint keeps it in step with the name.
    _tasks.c.status_rank,
    _tasks.c.priority_rank,
    _tasks.c.assignee_id,
    _tasks.c.reporter_id,
    _tasks.c.due_date,
    _tasks.c.completed_at,
    _tasks.c.is_deleted,
    _tasks.c.created_at,
    _tasks.c.updated_at,
    _tasks.c.version,
    _projects.c.key.label("project_key"),
    _projects.c.name.label("project_name"),
    _assignees.c.full_name.label("assignee_name"),
    _reporters.c.full_name.label("reporter_name"),
    _COMMENT_COUNT,
)
_SUMMARIES = (
    select(*_SUMMARY_COLUMNS)
    .select_from(
        _OF_PROJECTS.outerjoin(_assignees, _assignees.c.id == _tasks.c.assignee_id).join(
            _reporters, _reporters.c.id == _tasks.c.reporter_id
        )
    )
    .where(_LIVE_PROJECT)
)

# Each summary says whether the reader watches its task: a lookup in the watchers' primary key
# per row, inside the statement. Built once; the reader's id is a parameter of each execution.
_SUMMARIES_FOR_NOBODY = _SUMMARIES.add_columns(false().label("watching"))
_SUMMARIES_FOR_VIEWER = _SUMMARIES.add_columns(
    exists()
    .where(
        _watchers.c.task_id == _tasks.c.id,
        _watchers.c.user_id == bindparam("viewer", type_=_watchers.c.user_id.type),
    )
    .label("watching")
)


def _summaries_for(viewer: UUID | None) -> Select[Any]:
    """The summaries' statement, for a reader (execute it with `_for(viewer)`) or for nobody."""
    return _SUMMARIES_FOR_NOBODY if viewer is None else _SUMMARIES_FOR_VIEWER


@functools.cache
def _summary_of_one(*, by_key: bool, include_deleted: bool, for_viewer: bool) -> Select[Any]:
    """One task's summary, by `task_id` or by its key (`project_key`, `number`: no round trip to
    turn the key into an id first). Each of the eight variants is built once, for the reason the
    tags' statement below gives."""
    statement = _SUMMARIES_FOR_VIEWER if for_viewer else _SUMMARIES_FOR_NOBODY
    if by_key:
        statement = statement.where(
            _projects.c.key == bindparam("project_key"), _tasks.c.number == bindparam("number")
        )
    else:
        statement = statement.where(_tasks.c.id == bindparam("task_id"))
    return statement if include_deleted else statement.where(_LIVE_TASK)


def _for(viewer: UUID | None) -> dict[str, UUID]:
    return {} if viewer is None else {"viewer": viewer}


# The tags of a page's tasks, built once: executing a prebuilt statement skips building it and
# computing its cache key. On PostgreSQL the ids go as one array parameter (`= ANY($1)`), so the
# statement is the same for every page size and asyncpg prepares it once; SQLite has no arrays
# and gets one parameter per id.
_TAGS_OF = select(task_tags.c.task_id, _tags.c.id, _tags.c.name, _tags.c.color).join(
    _tags, _tags.c.id == task_tags.c.tag_id
)
_BY_NAME_THEN_ID = operator.attrgetter("name", "id")
_TAGS_OF_TASKS = {
    "postgresql": _TAGS_OF.where(
        task_tags.c.task_id == any_(bindparam("task_ids", type_=postgresql.ARRAY(Uuid())))
    ),
    "sqlite": _TAGS_OF.where(task_tags.c.task_id.in_(bindparam("task_ids", expanding=True))),
}


class SqlAlchemyTaskRepository:
    """Tasks of live projects: no read returns or counts a task of a deleted project.

    Summaries are read with Core, in the same number of statements for one task or a page of
    any size: the page (task columns, project, assignee and reporter names in one join, each
    task's live comment count in a correlated subquery), then the tags of every task on it in one
    statement; a list's page carries its total (`with_total`). `get_by_id` and the writes use the
    ORM model, as `update`, `soft_delete` and `restore` save through it (a versioned UPDATE).
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # The session's identity map holds models weakly: keep the ones read for a change alive,
        # so that saving the change finds its model without reading it again.
        self._read_for_change: dict[UUID, TaskModel] = {}

    async def create(self, task: Task) -> None:
        model = TaskModel()
        copy_task_onto_model(task, model)
        model.tags = list(await self._tag_models(task.tag_ids))
        self._session.add(model)
        # Flushing here lets a taken number or a missing row surface inside the unit of work.
        await self._session.flush()

    async def get_by_id(self, task_id: UUID, *, include_deleted: bool = False) -> Task | None:
        # Tags joined, not selected in a second statement: one task has a handful. The model stays
        # in the session, so saving it later in the unit of work does not read it again.
        statement = (
            select(TaskModel)
            .join(TaskModel.project)
            .where(TaskModel.id == task_id, ProjectModel.is_deleted.is_(False))
            .options(joinedload(TaskModel.tags))
        )
        if not include_deleted:
            statement = statement.where(TaskModel.is_deleted.is_(False))
        model = (await self._session.scalars(statement)).unique().one_or_none()
        if model is None:
            return None
        self._read_for_change[model.id] = model
        return task_from_model(model)

    async def find_id_by_key(self, project_key: str, number: int) -> UUID | None:
        statement = (
            select(TaskModel.id)
            .join(TaskModel.project)
            .where(
                ProjectModel.key == project_key,
                ProjectModel.is_deleted.is_(False),
                TaskModel.number == number,
            )
        )
        task_id: UUID | None = await self._session.scalar(statement)
        return task_id

    async def get_many(self, task_ids: Collection[UUID]) -> Sequence[Task]:
        statement = (
            select(TaskModel)
            .join(TaskModel.project)
            .where(
                TaskModel.id.in_(task_ids),
                TaskModel.is_deleted.is_(False),
                ProjectModel.is_deleted.is_(False),
            )
            .options(joinedload(TaskModel.tags))
        )
        models = (await self._session.scalars(statement)).unique().all()
        for model in models:
            self._read_for_change[model.id] = model
        return [task_from_model(model) for model in models]

    async def get_summary(
        self, task: UUID | TaskKey, *, include_deleted: bool = False, viewer: UUID | None = None
    ) -> TaskSummary | None:
        by_key = not isinstance(task, UUID)
        statement = _summary_of_one(
            by_key=by_key, include_deleted=include_deleted, for_viewer=viewer is not None
        )
        parameters: dict[str, Any] = _for(viewer)
        if isinstance(task, UUID):
            parameters["task_id"] = task
        else:
            parameters["project_key"], parameters["number"] = task
        row = (await self._session.execute(statement, parameters)).one_or_none()
        if row is None:
            return None
        summaries = await self._summaries([row])
        return summaries[0]

    async def get_summaries(
        self, task_ids: Sequence[UUID], *, viewer: UUID | None = None
    ) -> Sequence[TaskSummary]:
        if not task_ids:
            return []
        statement = _summaries_for(viewer).where(_tasks.c.id.in_(task_ids), _LIVE_TASK)
        rows = (await self._session.execute(statement, _for(viewer))).all()
        found = {summary.id: summary for summary in await self._summaries(rows)}
        return [found[task_id] for task_id in task_ids if task_id in found]

    async def list(
        self, filters: TaskFilters, sort: Sequence[SortKey], page: PageRequest, *, viewer: UUID | None = None
    ) -> Page[TaskSummary]:
        given = _filter_parameters(filters)
        dialect = self._session.get_bind().dialect.name
        shape = _ListShape(
            filters=tuple(given),
            sort=tuple(sort),
            after_nulls=None if page.after is None else keyset_nulls(page.after),
            # One project's list reads that project's index anyway; the per-project read is for
            # lists across a member's projects.
            per_project=filters.visible_to is not None
            and filters.project_id is None
            and dialect == "postgresql",
            dialect=dialect,
            for_viewer=viewer is not None,
        )
        count, rows = _list_statements(shape)
        parameters = given | page_parameters(page) | _for(viewer)
        found, total = await rows_and_total(self._session, rows, count, page, parameters)
        summaries = await self._summaries(found)
        return Page.cut(summaries, total, page, lambda summary: task_keyset(summary, sort))

    async def update(self, task: Task) -> None:
        await self._save(task)

    async def soft_delete(self, task: Task) -> None:
        await self._save(task)

    async def restore(self, task: Task) -> None:
        await self._save(task)

    async def tag_sets_carrying(self, tag_id: UUID) -> dict[UUID, frozenset[UUID]]:
        carriers = select(task_tags.c.task_id).where(task_tags.c.tag_id == tag_id)
        statement = select(task_tags.c.task_id, task_tags.c.tag_id).where(task_tags.c.task_id.in_(carriers))
        sets: defaultdict[UUID, set[UUID]] = defaultdict(set)
        for task_id, carried in await self._session.execute(statement):
            sets[task_id].add(carried)
        return {task_id: frozenset(tags) for task_id, tags in sets.items()}

    async def count_assigned(self, project_id: UUID, user_id: UUID) -> int:
        statement = select(func.count()).where(
            TaskModel.project_id == project_id,
            TaskModel.assignee_id == user_id,
            TaskModel.is_deleted.is_(False),
        )
        return await self._session.scalar(statement) or 0

    async def _save(self, task: Task) -> None:
        model = self._read_for_change.pop(task.id, None)
        if model is None or model not in self._session:  # not read in this unit of work
            statement = select(TaskModel).where(TaskModel.id == task.id).options(selectinload(TaskModel.tags))
            model = await self._session.scalar(statement)
        if model is None or model.version != task.version - 1:
            raise StaleVersion("the task was changed by another request")
        copy_task_onto_model(task, model)
        # Flushing here runs the versioned UPDATE now, inside the unit of work's error translation.
        await self._session.flush()
        linked = {tag.id for tag in model.tags}
        if linked != task.tag_ids:
            await self._relink(task.id, linked, task.tag_ids)
            # The loaded collection no longer says what is stored; a later read loads it anew.
            self._session.expire(model, ["tags"])

    async def _relink(self, task_id: UUID, linked: Collection[UUID], wanted: Collection[UUID]) -> None:
        """The task's tag links made `wanted`: at most a DELETE and an INSERT, without reading the
        tags (a tag that does not exist is refused by the links' foreign key, as a Conflict)."""
        removed, added = set(linked) - set(wanted), set(wanted) - set(linked)
        if removed:
            await self._session.execute(
                delete(task_tags).where(task_tags.c.task_id == task_id, task_tags.c.tag_id.in_(removed))
            )
        if added:
            rows = [{"task_id": task_id, "tag_id": tag_id} for tag_id in sorted(added)]
            await self._session.execute(insert(task_tags).values(rows))

    async def _tag_models(self, tag_ids: Collection[UUID]) -> Sequence[TagModel]:
        if not tag_ids:
            return []
        models = (await self._session.scalars(select(TagModel).where(TagModel.id.in_(tag_ids)))).all()
        if len(models) != len(tag_ids):
            # As the foreign key of task_tags would: a tag that does not exist cannot be linked.
            raise Conflict("the change conflicts with existing data")
        return models

    async def _summaries(self, rows: Sequence[Row[*tuple[Any, ...]]]) -> builtins.list[TaskSummary]:
        """The page's rows with their tags: one statement more, whatever its size."""
        if not rows:
            return []
        # The id by position (the first of _SUMMARY_COLUMNS): reading a row's field by name costs
        # about a microsecond, twice per row of every page.
        tags = await self._tags_of([row[0] for row in rows])
        refs = _PageRefs()
        return [_summary_from_row(row, tags.get(row[0], ()), refs) for row in rows]

    async def _tags_of(self, task_ids: Sequence[UUID]) -> dict[UUID, builtins.list[TagRef]]:
        """The tags of every task of a page, in one statement, by name (code point order) then id."""
        statement = _TAGS_OF_TASKS[self._session.get_bind().dialect.name]
        tags: defaultdict[UUID, builtins.list[TagRef]] = defaultdict(builtins.list)
        # A page's tasks share their project's few tags: each tag is made once per page.
        refs: dict[UUID, TagRef] = {}
        # All rows at once: iterating the result itself fetches them one by one.
        rows = (await self._session.execute(statement, {"task_ids": task_ids})).all()
        for task_id, tag_id, name, color in rows:
            ref = refs.get(tag_id)
            if ref is None:
                ref = refs[tag_id] = TagRef(id=tag_id, name=name, color=color)
            tags[task_id].append(ref)
        for task_tags_of_one in tags.values():
            task_tags_of_one.sort(key=_BY_NAME_THEN_ID)
        return tags


@dataclass(frozen=True, slots=True)
class _ListShape:
    """What a list's statements depend on, but for the values they bind: which filters are given
    (by the names of their parameters), the sort, where the page starts, and the dialect.

    Each shape's statements are built once (`_list_statements`) and run with the values of each
    request as parameters: building a statement and computing its cache key cost more than
    running it does (measured on GET /tasks: 2.9 million of 14.8 million instructions).
    """

    filters: tuple[str, ...]
    sort: tuple[SortKey, ...]
    after_nulls: tuple[bool, ...] | None  # a keyset page: which of its values are NULL
    per_project: bool
    dialect: str
    for_viewer: bool  # the page says for a reader whether they watch each task


def _filter_parameters(filters: TaskFilters) -> dict[str, object]:
    """The filters given, each by the name of the parameter its condition (`_condition`) binds."""
    given: dict[str, object] = {}
    if not filters.include_deleted:
        given["live_only"] = True
    if filters.visible_to is not None:
        given["visible_to"] = filters.visible_to
    if filters.project_id is not None:
        given["project_id"] = filters.project_id
    # By rank, as the index of live tasks' counts holds ranks (the CHECKs tie them to the names).
    if filters.statuses:
        given["status_ranks"] = sorted(rank(status) for status in filters.statuses)
    if filters.priorities:
        given["priority_ranks"] = sorted(rank(priority) for priority in filters.priorities)
    if filters.unassigned:
        given["unassigned"] = True
    elif filters.assignee_id is not None:
        given["assignee_id"] = filters.assignee_id
    if filters.reporter_id is not None:
        given["reporter_id"] = filters.reporter_id
    if filters.tag_names:
        given["tag_keys"] = sorted({tag_name_key(name) for name in filters.tag_names})
    if filters.watched_by is not None:
        given["watched_by"] = filters.watched_by
    if filters.due_before is not None:
        given["due_before"] = filters.due_before
    if filters.due_after is not None:
        given["due_after"] = filters.due_after
    if filters.text is not None:
        # title_folded holds title.casefold(): matching folded forms ignores case the same way on
        # both databases and in memory (SQL's lower() and LIKE differ between them beyond ASCII).
        given["title_pattern"] = f"%{_escape_like(filters.text.casefold())}%"
    return given


def _condition(name: str) -> ColumnElement[bool]:
    """The condition on the tasks table of the filter `name`, binding its parameter of that name."""
    match name:
        case "live_only":
            return _LIVE_TASK
        case "visible_to":
            member_of = select(_members.c.project_id).where(_members.c.user_id == bindparam(name))
            return _tasks.c.project_id.in_(member_of)
        case "status_ranks" | "priority_ranks":
            column = _tasks.c.status_rank if name == "status_ranks" else _tasks.c.priority_rank
            return column.in_(bindparam(name, expanding=True))
        case "unassigned":
            return _tasks.c.assignee_id.is_(None)
        case "tag_keys":
            tagged = (
                select(task_tags.c.task_id)
                .join(_tags, _tags.c.id == task_tags.c.tag_id)
                .where(_tags.c.name_key.in_(bindparam(name, expanding=True)))
            )
            return _tasks.c.id.in_(tagged)
        case "watched_by":
            watched = select(_watchers.c.task_id).where(_watchers.c.user_id == bindparam(name))
            return _tasks.c.id.in_(watched)
        case "due_before":
            return _tasks.c.due_date < bindparam(name)
        case "due_after":
            return _tasks.c.due_date > bindparam(name)
        case "title_pattern":
            # On PostgreSQL a trigram index serves this LIKE '%...%'.
            return _tasks.c.title_folded.like(bindparam(name), escape=_LIKE_ESCAPE)
    same_as = {
        "project_id": _tasks.c.project_id,
        "assignee_id": _tasks.c.assignee_id,
        "reporter_id": _tasks.c.reporter_id,
    }
    return same_as[name] == bindparam(name)


_LIKE_ESCAPE = "/"


def _escape_like(text: str) -> str:
    """The text as a LIKE pattern that matches it literally."""
    for special in (_LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, _LIKE_ESCAPE + special)
    return text


@functools.lru_cache(maxsize=512)
def _list_statements(shape: _ListShape) -> tuple[Select[int], Select[Any]]:
    """The count and the page, with its total, of a list of this shape (cached: shapes are few,
    requests many)."""
    conditions = [_condition(name) for name in shape.filters]
    terms = _terms(shape.dialect, shape.sort)
    if shape.per_project:
        first = _first_of_each_visible_project(
            shape, [c for n, c in zip(shape.filters, conditions, strict=True) if n != "visible_to"]
        )
        page_conditions: list[ColumnElement[Any]] = [_tasks.c.id.in_(first)]
    else:
        page_conditions = conditions
    summaries = _SUMMARIES_FOR_VIEWER if shape.for_viewer else _SUMMARIES_FOR_NOBODY
    page = paged_by_parameters(summaries.where(*page_conditions), terms, shape.after_nulls)
    count = _count(shape.filters, conditions)
    return count, with_total(page, count)


def _first_of_each_visible_project(
    shape: _ListShape, conditions: Sequence[ColumnElement[Any]]
) -> Select[tuple[UUID]]:
    """The ids of the first matching tasks of each of the member's live projects: as many as
    the page reads, after its offset or its keyset.

    A member's page is among them. Read in the order of an index of all tasks, the member's
    list would pass over the tasks of every other project until it had a page, most of the
    table when the member's projects are small or young; each LATERAL read here takes one
    project's tasks through that project's own index. (PostgreSQL only: SQLite has no LATERAL.)
    """
    visible = (
        select(_members.c.project_id, _projects.c.key)
        .join(_projects, _projects.c.id == _members.c.project_id)
        .where(_members.c.user_id == bindparam("visible_to"), _LIVE_PROJECT)
        .subquery("visible")
    )
    first = select(_tasks.c.id).where(_tasks.c.project_id == visible.c.project_id, *conditions)
    if shape.after_nulls is not None:
        # A keyset names a task key by project key and number: the project's is its own.
        terms = _terms(shape.dialect, shape.sort, project_key=visible.c.key)
        first = first.where(after_parameters(terms, shape.after_nulls))
    first_ids = (
        first.order_by(*order_by(_terms(shape.dialect, shape.sort, project_key=None)))
        .limit(OFFSET + LIMIT)
        .lateral("first")
    )
    return select(first_ids.c.id).select_from(visible.join(first_ids, true()))


def _terms(
    dialect: str, sort: Sequence[SortKey], *, project_key: ColumnElement[str] | None = _projects.c.key
) -> list[Term]:
    """The ORDER BY terms: the sort keys, then id; text by code point (COLLATE "C") on PostgreSQL too.

    Statuses and priorities order by their stored ranks, which the indexes of live tasks hold.
    Tasks without a due date come last in both directions (NULLS LAST); on PostgreSQL that is
    what ascending order does anyway, so `-priority,due_date` reads its index in order.
    `key` orders by `project_key`, then number; by number alone within a project (None).
    """
    text = functools.partial(by_code_point, dialect)
    expressions: dict[str, Sequence[Any]] = {
        "key": [_tasks.c.number] if project_key is None else [text(project_key), _tasks.c.number],
        "title": [text(_tasks.c.title)],
        "status": [_tasks.c.status_rank],
        "priority": [_tasks.c.priority_rank],
        "due_date": [_tasks.c.due_date],
        "created_at": [_tasks.c.created_at],
        "updated_at": [_tasks.c.updated_at],
    }
    terms = [
        Term(expression, key.descending, nullable=key.field == "due_date")
        for key in sort
        for expression in expressions[key.field]
    ]
    return [*terms, Term(_tasks.c.id)]


# The filters whose total the projects' counts of live tasks (live_task_counts) answer.
_COUNTED_PER_PROJECT = frozenset({"live_only", "visible_to", "project_id"})


def _count(filters: Sequence[str], conditions: Sequence[ColumnElement[Any]]) -> Select[int]:
    """How many tasks of live projects match: all that match, less those of deleted projects.

    A list of live tasks narrowed down by nothing but projects sums its projects' counts, kept by
    the database as tasks come and go: a few rows, however many tasks there are. Any other list
    counts its tasks, exact, in one statement (one snapshot), and cheaper than joining every
    matching task to its project: the first count needs no join, so the planner reads it from
    whichever index serves
    the filters (index-only on the partial index of live tasks' projects, statuses and priorities
    when nothing else narrows it down), and the second joins only the few deleted projects.
    """
    if "live_only" in filters and _COUNTED_PER_PROJECT.issuperset(filters):
        return _summed_count(filters)
    matching = select(func.count()).select_from(_tasks).where(*conditions).scalar_subquery()
    of_deleted_projects = (
        select(func.count())
        .select_from(_OF_PROJECTS)
        .where(_projects.c.is_deleted, *conditions)
        .scalar_subquery()
    )
    return select(matching - of_deleted_projects)


def _summed_count(filters: Sequence[str]) -> Select[int]:
    """The live tasks of the live projects the filters name, from their counts (see `_count`)."""
    counts = live_task_counts
    conditions: list[ColumnElement[bool]] = [_LIVE_PROJECT]
    if "visible_to" in filters:
        member_of = select(_members.c.project_id).where(_members.c.user_id == bindparam("visible_to"))
        conditions.append(counts.c.project_id.in_(member_of))
    if "project_id" in filters:
        conditions.append(counts.c.project_id == bindparam("project_id"))
    total = func.coalesce(func.sum(counts.c.live_tasks), 0, type_=Integer)
    return (
        select(total)
        .select_from(counts.join(_projects, _projects.c.id == counts.c.project_id))
        .where(*conditions)
    )


class _PageRefs:
    """The projects and people of one page, each made once: a page's tasks share a few of them.
    _summary_from_row looks them up inline (a method call per lookup would cost three per row)."""

    def __init__(self) -> None:
        self.projects: dict[UUID, ProjectRef] = {}
        self.people: dict[UUID, UserRef] = {}


# Members by rank (declaration order, as rank() numbers them).
_STATUSES = tuple(TaskStatus)
_PRIORITIES = tuple(Priority)


def _summary_from_row(row: Row[*tuple[Any, ...]], tags: Sequence[TagRef], refs: _PageRefs) -> TaskSummary:
    # By position, in the order of _SUMMARY_COLUMNS: on every row of every page, unpacking a row is
    # about three times cheaper than reading its fields by name.
    (
        task_id,
        project_id,
        number,
        title,
        description,
        status_rank,
        priority_rank,
        assignee_id,
        reporter_id,
        due_date,
        completed_at,
        is_deleted,
        created_at,
        updated_at,
        version,
        project_key,
        project_name,
        assignee_name,
        reporter_name,
        comment_count,
        watching,
        *_,  # a list's rows carry its total last
    ) = row
    projects, people = refs.projects, refs.people
    project = projects.get(project_id)
    if project is None:
        project = projects[project_id] = ProjectRef(id=project_id, key=project_key, name=project_name)
    reporter = people.get(reporter_id)
    if reporter is None:
        reporter = people[reporter_id] = UserRef(id=reporter_id, full_name=reporter_name)
    assignee = None
    if assignee_id is not None:
        assignee = people.get(assignee_id)
        if assignee is None:
            assignee = people[assignee_id] = UserRef(id=assignee_id, full_name=assignee_name)
    # By position too, in the order of TaskSummary's fields: keywords cost a lookup each, 18 per row.
    return TaskSummary(
        task_id,
        project,
        number,
        title,
        description,
        _STATUSES[status_rank],
        _PRIORITIES[priority_rank],
        assignee,
        reporter,
        due_date,
        completed_at,
        tuple(tags),
        comment_count,
        bool(watching),
        is_deleted,
        created_at,
        updated_at,
        version,
    )
