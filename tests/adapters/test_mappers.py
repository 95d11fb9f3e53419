"""Entities survive the trip to the ORM model and back field for field; users through every adapter too."""

import dataclasses
import itertools
from datetime import UTC, timedelta

import pytest

from adapters.persistence.sqlalchemy.mappers import (
    TASK_DERIVED_COLUMNS,
    comment_from_model,
    copy_comment_onto_model,
    copy_member_onto_model,
    copy_project_onto_model,
    copy_tag_onto_model,
    copy_task_onto_model,
    copy_user_onto_model,
    member_from_model,
    project_from_model,
    project_to_model,
    tag_from_model,
    task_from_model,
    user_from_model,
    user_to_model,
)
from adapters.persistence.sqlalchemy.models import (
    CommentModel,
    ProjectMemberModel,
    TagModel,
    TaskModel,
)
from domain.comments import Comment
from domain.ids import new_id
from domain.projects import MemberRole, Project, ProjectMember, Tag
from domain.tasks import Priority, Task, TaskStatus, rank
from domain.users import User, UserRole
from tests.conftest import UnitOfWorkFactory
from tests.factories import UserFactory, utc_instant
from tests.factories_work import (
    CommentFactory,
    ProjectFactory,
    ProjectMemberFactory,
    TagFactory,
    TaskFactory,
    future_date,
)


def varied_users() -> list[User]:
    """One user per combination of role, active and deleted.

    Within each user created_at and updated_at differ (down to the microsecond), and versions differ
    between users, so a mapper that swapped or dropped a field would show it.
    """
    users = []
    for number, (role, is_active, is_deleted) in enumerate(
        itertools.product(UserRole, (True, False), (True, False)), start=1
    ):
        user = UserFactory.build(role=role, is_active=is_active, is_deleted=is_deleted, version=number + 1)
        user.updated_at = user.created_at + timedelta(days=number, microseconds=123_457 * number)
        users.append(user)
    return users


@pytest.mark.parametrize(
    "user", varied_users(), ids=lambda user: f"{user.role}-active={user.is_active}-deleted={user.is_deleted}"
)
def test_user_to_model_and_back_is_the_same_user(user: User) -> None:
    assert user_from_model(user_to_model(user)) == user


def test_copying_a_user_onto_a_model_replaces_every_field_but_the_id() -> None:
    users = varied_users()
    original, changed = users[0], users[-1]  # every field differs, from role to version
    changed.id = original.id
    changed.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$bmV3c2FsdA$bmV3aGFzaG5ld2hhc2g"
    model = user_to_model(original)

    copy_user_onto_model(changed, model)

    assert user_from_model(model) == changed


async def test_users_read_back_exactly_as_they_were_stored(uow_factory: UnitOfWorkFactory) -> None:
    users = varied_users()
    async with uow_factory() as uow:
        for user in users:
            await uow.users.create(user)

    async with uow_factory() as uow:
        loaded = [await uow.users.get_by_id(user.id, include_deleted=True) for user in users]

    assert loaded == users
    for stored in loaded:
        assert stored is not None
        assert stored.created_at.tzinfo is UTC
        assert stored.updated_at.tzinfo is UTC


async def test_an_updated_user_reads_back_with_every_changed_field(uow_factory: UnitOfWorkFactory) -> None:
    user = UserFactory.build(role=UserRole.MEMBER, is_active=True)
    async with uow_factory() as uow:
        await uow.users.create(user)

    changed = UserFactory.build(
        id=user.id,
        role=UserRole.ADMIN,
        is_active=False,
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$bmV3c2FsdA$bmV3aGFzaG5ld2hhc2g",
        created_at=user.created_at,
        updated_at=user.updated_at + timedelta(hours=1, microseconds=1),
        version=user.version + 1,
    )
    async with uow_factory() as uow:
        await uow.users.update(changed)

    async with uow_factory() as uow:
        loaded = await uow.users.get_by_id(user.id)

    assert loaded == changed


# Names whose casefold() differs from lower() ("ß", ligatures, final sigma): SQL's lower() and
# Python's lower() would both get them wrong, so the folded forms are written out by hand.
FOLDED_NAMES = [
    ("Straße Ops", "strasse ops"),
    ("ÉTÉ Plans", "été plans"),
    ("\ufb01nance", "finance"),
    ("ΣΊΣΥΦΟΣ", "σίσυφοσ"),
]


def later(instant_number: int) -> timedelta:
    """A gap between created_at and updated_at that differs per entity, down to the microsecond."""
    return timedelta(days=instant_number, microseconds=123_457 * instant_number)


def varied_projects() -> list[Project]:
    projects = []
    for number, (is_deleted, (name, _)) in enumerate(itertools.product((False, True), FOLDED_NAMES), start=1):
        project = ProjectFactory.build(name=name, is_deleted=is_deleted, version=number + 1)
        project.updated_at = project.created_at + later(number)
        projects.append(project)
    return projects


@pytest.mark.parametrize(
    "project", varied_projects(), ids=lambda project: f"{project.name}-deleted={project.is_deleted}"
)
def test_project_to_model_and_back_is_the_same_project(project: Project) -> None:
    assert project_from_model(project_to_model(project)) == project


@pytest.mark.parametrize(("name", "folded"), FOLDED_NAMES)
def test_a_project_model_carries_its_name_casefolded_for_search(name: str, folded: str) -> None:
    project = ProjectFactory.build(name=name)

    assert project_to_model(project).name_folded == folded


def test_a_new_project_model_has_handed_out_no_task_numbers() -> None:
    assert project_to_model(ProjectFactory.build()).task_counter == 0


def test_copying_a_changed_project_onto_its_model_keeps_the_task_counter() -> None:
    original = ProjectFactory.build(name="Operations")
    model = project_to_model(original)
    model.task_counter = 41  # the database hands out numbers; the next task of OPS is OPS-42
    changed = ProjectFactory.build(
        id=original.id,
        key=original.key,
        name="Straße Ops",
        is_deleted=True,
        created_at=original.created_at,
        updated_at=original.updated_at + later(1),
        version=original.version + 1,
    )

    copy_project_onto_model(changed, model)

    assert project_from_model(model) == changed
    assert model.name_folded == "strasse ops"
    assert model.task_counter == 41


@pytest.mark.parametrize("role", list(MemberRole))
def test_member_to_model_and_back_is_the_same_member(role: MemberRole) -> None:
    member: ProjectMember = ProjectMemberFactory.build(role=role)
    member.updated_at = member.created_at + later(len(role))
    model = ProjectMemberModel()

    copy_member_onto_model(member, model)

    assert member_from_model(model) == member


@pytest.mark.parametrize(("name", "folded"), FOLDED_NAMES)
def test_tag_to_model_and_back_is_the_same_tag_with_its_name_key(name: str, folded: str) -> None:
    tag: Tag = TagFactory.build(name=name)
    tag.updated_at = tag.created_at + later(len(name))
    model = TagModel()

    copy_tag_onto_model(tag, model)

    assert tag_from_model(model) == tag
    assert model.name_key == folded


def test_tag_names_differing_only_in_case_share_a_name_key() -> None:
    models = [TagModel(), TagModel()]
    for name, model in zip(("Straße", "STRASSE"), models, strict=True):
        copy_tag_onto_model(TagFactory.build(name=name), model)

    assert models[0].name_key == models[1].name_key == "strasse"


def varied_tasks() -> list[Task]:
    """One task per status and priority; around them assignee, due date, completion, number of tags
    (none to three) and deletion take each of their values several times."""
    tasks = []
    for number, (status, priority) in enumerate(itertools.product(TaskStatus, Priority), start=1):
        created_at = utc_instant()
        tasks.append(
            TaskFactory.build(
                number=number,
                title=f"Task {number}: rotate the keys",
                status=status,
                priority=priority,
                assignee_id=new_id() if number % 2 else None,
                due_date=future_date() if number % 3 else None,
                completed_at=created_at + later(number) if status is TaskStatus.DONE else None,
                tag_ids=frozenset(new_id() for _ in range(number % 4)),
                is_deleted=number % 5 == 0,
                created_at=created_at,
                updated_at=created_at + later(number + 1),
                version=number + 1,
            )
        )
    return tasks


def task_model_of(task: Task) -> TaskModel:
    model = TaskModel()
    copy_task_onto_model(task, model)
    # The tag set is the repository's to write; here the model holds the tags as a load would.
    model.tags = [TagModel(id=tag_id) for tag_id in task.tag_ids]
    return model


@pytest.mark.parametrize("task", varied_tasks(), ids=lambda task: f"{task.status}-{task.priority}")
def test_task_to_model_and_back_is_the_same_task(task: Task) -> None:
    assert task_from_model(task_model_of(task)) == task


@pytest.mark.parametrize(("title", "folded"), FOLDED_NAMES)
def test_a_task_model_carries_its_title_casefolded_for_search(title: str, folded: str) -> None:
    assert task_model_of(TaskFactory.build(title=title)).title_folded == folded


@pytest.mark.parametrize("task", varied_tasks(), ids=lambda task: f"{task.status}-{task.priority}")
def test_a_task_model_carries_the_ranks_its_lists_sort_by(task: Task) -> None:
    model = task_model_of(task)

    assert (model.status_rank, model.priority_rank) == (rank(task.status), rank(task.priority))


def test_the_ranks_follow_the_workflow_and_the_priority_scale_not_the_alphabet() -> None:
    by_status = sorted(varied_tasks(), key=lambda task: task_model_of(task).status_rank)
    by_priority = sorted(varied_tasks(), key=lambda task: task_model_of(task).priority_rank)

    assert list(dict.fromkeys(task.status for task in by_status)) == [
        TaskStatus.TODO,
        TaskStatus.IN_PROGRESS,
        TaskStatus.BLOCKED,
        TaskStatus.DONE,
        TaskStatus.CANCELLED,
    ]
    assert list(dict.fromkeys(task.priority for task in by_priority)) == [
        Priority.LOW,
        Priority.MEDIUM,
        Priority.HIGH,
        Priority.URGENT,
    ]


def test_the_mapper_fills_every_derived_column_of_a_task_row() -> None:
    # The columns of tasks are the task's fields plus the derived ones: none is left to chance.
    fields = {field.name for field in dataclasses.fields(Task)} - {"tag_ids"}
    columns = {column.name for column in TaskModel.__table__.columns}

    assert columns - fields == set(TASK_DERIVED_COLUMNS)


def test_copying_a_changed_task_onto_its_model_replaces_every_field() -> None:
    tasks = varied_tasks()
    # The first is todo, low, unassigned, tagged once and live; the last cancelled, urgent, assigned,
    # without tags and deleted.
    original, changed = tasks[0], tasks[-1]
    changed.id = original.id
    model = task_model_of(original)

    copy_task_onto_model(changed, model)
    model.tags = []

    assert task_from_model(model) == changed


def varied_comments() -> list[Comment]:
    comments = []
    bodies = ["Done.", "Straße\n\nsecond paragraph, with ünïcödé", "x" * 10_000]
    for number, (is_deleted, body) in enumerate(itertools.product((False, True), bodies), start=1):
        comment = CommentFactory.build(body=body, is_deleted=is_deleted, version=number + 1)
        comment.updated_at = comment.created_at + later(number)
        comments.append(comment)
    return comments


@pytest.mark.parametrize(
    "comment", varied_comments(), ids=lambda comment: f"{len(comment.body)}-deleted={comment.is_deleted}"
)
def test_comment_to_model_and_back_is_the_same_comment(comment: Comment) -> None:
    model = CommentModel()

    copy_comment_onto_model(comment, model)

    assert comment_from_model(model) == comment
