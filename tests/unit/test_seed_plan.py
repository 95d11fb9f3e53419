"""The seed's plan: what a run adds, decided without a database."""

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.seed.plan import (
    BATCH_ROWS,
    SEED_ADMIN_EMAIL,
    Found,
    FoundUser,
    Plan,
    SeededProject,
    SeedReport,
    SeedRequest,
    TaskBatch,
    make_plan,
    seed_user_email,
)
from domain.comments import Comment
from domain.errors import ValidationFailed
from domain.projects import MemberRole
from domain.tasks import Priority, Task, TaskStatus
from domain.users import UserRole

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
NOTHING = Found(users={}, projects={})
SMALL = SeedRequest(users=20, projects=3, tasks=200)


@dataclass(frozen=True)
class Drawn:
    """A plan with its batches drawn."""

    plan: Plan
    batches: list[TaskBatch]

    @property
    def everything(self) -> tuple[object, ...]:
        plan = self.plan
        return (plan.users, plan.projects, plan.members, plan.tags, plan.report, self.batches)

    @property
    def tasks(self) -> list[Task]:
        return [task for batch in self.batches for _, tasks in batch.tasks for task in tasks]

    @property
    def comments(self) -> list[Comment]:
        return [comment for batch in self.batches for comment in batch.comments]


def draw(request: SeedRequest = SMALL, found: Found = NOTHING, random_seed: int | None = 7) -> Drawn:
    plan = make_plan(request, found, now=NOW, password_hash="hash", random_seed=random_seed)
    return Drawn(plan, list(plan.task_batches))


def found_after(drawn: Drawn) -> Found:
    """What the database holds once `drawn` is stored."""
    writers: dict[UUID, list[UUID]] = defaultdict(list)
    for member in drawn.plan.members:
        if member.role.can_write:
            writers[member.project_id].append(member.user_id)
    tasks: dict[UUID, list[Task]] = defaultdict(list)
    for task in drawn.tasks:
        tasks[task.project_id].append(task)
    users = {user.email: FoundUser(user.id, live=not user.is_deleted) for user in drawn.plan.users}
    projects = {
        project.key: SeededProject(
            id=project.id,
            key=project.key,
            created_at=project.created_at,
            writers=writers[project.id],
            tag_ids=[tag.id for tag in drawn.plan.tags if tag.project_id == project.id],
            task_count=len(tasks[project.id]),
            latest_task_at=max((task.created_at for task in tasks[project.id]), default=None),
        )
        for project in drawn.plan.projects
    }
    return Found(users, projects)


def test_a_fresh_plan_makes_what_was_asked_for() -> None:
    drawn = draw()

    assert [user.email for user in drawn.plan.users] == [
        SEED_ADMIN_EMAIL,
        *(seed_user_email(number) for number in range(1, 21)),
    ]
    assert [user.email for user in drawn.plan.users if user.role is UserRole.ADMIN] == [SEED_ADMIN_EMAIL]
    assert {user.password_hash for user in drawn.plan.users} == {"hash"}
    assert [project.key for project in drawn.plan.projects] == ["SEEDA", "SEEDB", "SEEDC"]
    assert len(drawn.tasks) == 200
    assert 0 < len(drawn.comments) <= 200 * 2 * SMALL.comments_per_task
    assert drawn.plan.report == SeedReport(
        users=21, users_created=21, projects=3, projects_created=3, tasks=200, tasks_created=200
    )


def test_tasks_come_in_batches_of_one_transaction_each() -> None:
    drawn = draw(SeedRequest(users=20, projects=3, tasks=2 * BATCH_ROWS + 1, comments_per_task=0))

    sizes = [sum(len(tasks) for _, tasks in batch.tasks) for batch in drawn.batches]

    assert sizes == [BATCH_ROWS, BATCH_ROWS, 1]
    assert drawn.comments == []


def test_the_same_random_seed_makes_the_same_plan_ids_included() -> None:
    first, again, other = draw(random_seed=7), draw(random_seed=7), draw(random_seed=8)

    assert first.everything == again.everything
    assert [user.full_name for user in first.plan.users] != [user.full_name for user in other.plan.users]
    assert [task.title for task in first.tasks] != [task.title for task in other.tasks]


def test_every_project_has_a_manager_and_other_members_who_joined_later() -> None:
    drawn = draw()

    for project in drawn.plan.projects:
        team = [member for member in drawn.plan.members if member.project_id == project.id]
        roles = [member.role for member in team]
        assert roles[0] is MemberRole.MANAGER
        assert any(role is not MemberRole.MANAGER for role in roles)
        assert len({member.user_id for member in team}) == len(team)
        assert all(member.created_at >= project.created_at for member in team)
    admin = drawn.plan.users[0]
    assert all(member.user_id != admin.id for member in drawn.plan.members)


def test_assignees_reporters_and_comment_authors_may_write_in_the_project() -> None:
    drawn = draw()
    writers = {(member.project_id, member.user_id) for member in drawn.plan.members if member.role.can_write}
    task_of = {task.id: task for task in drawn.tasks}
    tags_of = {tag.id: tag.project_id for tag in drawn.plan.tags}

    assert any(task.assignee_id is None for task in drawn.tasks)
    for task in drawn.tasks:
        assert task.assignee_id is None or (task.project_id, task.assignee_id) in writers
        assert (task.project_id, task.reporter_id) in writers
        assert len(task.tag_ids) <= 3
        assert all(tags_of[tag_id] == task.project_id for tag_id in task.tag_ids)
    for comment in drawn.comments:
        task = task_of[comment.task_id]
        assert (task.project_id, comment.author_id) in writers
        assert comment.created_at >= task.created_at


def test_statuses_follow_the_workflow_and_completed_at_marks_exactly_the_done_tasks() -> None:
    drawn = draw()

    assert {task.status for task in drawn.tasks} == set(TaskStatus)
    assert {task.priority for task in drawn.tasks} == set(Priority)
    for task in drawn.tasks:
        assert (task.completed_at is not None) == (task.status is TaskStatus.DONE)
        assert task.created_at <= task.updated_at <= NOW
        # One version for the creation and one for each step of the workflow (and the deletion).
        assert task.version >= 1 + (task.status is not TaskStatus.TODO) + task.is_deleted
        if task.completed_at is not None:
            assert task.created_at <= task.completed_at <= task.updated_at
    for comment in drawn.comments:
        assert comment.created_at <= comment.updated_at <= NOW


def test_each_project_gets_its_tasks_in_creation_order_for_its_counter_to_number() -> None:
    drawn = draw(SeedRequest(users=20, projects=3, tasks=BATCH_ROWS + 500, comments_per_task=0))
    created: dict[UUID, list[datetime]] = defaultdict(list)
    for task in drawn.tasks:
        created[task.project_id].append(task.created_at)
    teams = {project.id: project.created_at for project in drawn.plan.projects}

    assert {task.number for task in drawn.tasks} == {0}  # the counter hands out numbers on storing
    for project_id, moments in created.items():
        assert moments == sorted(moments)
        assert moments[0] >= teams[project_id] + timedelta(days=14)


def test_a_rerun_of_the_same_request_plans_nothing() -> None:
    first = draw()

    again = draw(found=found_after(first), random_seed=8)

    assert (again.plan.users, again.plan.projects, again.plan.members, again.plan.tags) == ([], [], [], [])
    assert again.batches == []
    assert again.plan.report == SeedReport(users=21, projects=3, tasks=200)


def test_a_larger_request_plans_only_the_missing_users_projects_and_tasks() -> None:
    first = draw()
    found = found_after(first)

    more = draw(SeedRequest(users=25, projects=4, tasks=300), found=found, random_seed=8)

    assert [user.email for user in more.plan.users] == [seed_user_email(number) for number in range(21, 26)]
    assert [project.key for project in more.plan.projects] == ["SEEDD"]
    assert {member.project_id for member in more.plan.members} == {more.plan.projects[0].id}
    assert len(more.tasks) == 100
    assert more.plan.report == SeedReport(
        users=26, users_created=5, projects=4, projects_created=1, tasks=300, tasks_created=100
    )
    # New tasks of a project that has some come after them, so its numbers keep following time.
    for project in found.projects.values():
        later = [task.created_at for task in more.tasks if task.project_id == project.id]
        assert project.latest_task_at is not None
        assert all(moment >= project.latest_task_at for moment in later)


def test_departed_seeded_users_join_no_new_project() -> None:
    found = found_after(draw())
    departed = seed_user_email(2)
    users = dict(found.users) | {departed: FoundUser(found.users[departed].id, live=False)}

    more = draw(SeedRequest(users=20, projects=10, tasks=0), found=Found(users, found.projects))

    assert more.plan.members
    assert all(member.user_id != users[departed].id for member in more.plan.members)


def test_tasks_for_a_project_nobody_may_write_in_are_refused() -> None:
    found = found_after(draw())
    projects = dict(found.projects) | {"SEEDB": dataclasses.replace(found.projects["SEEDB"], writers=[])}

    with pytest.raises(ValidationFailed, match="SEEDB has no active manager or contributor"):
        draw(SeedRequest(users=20, projects=3, tasks=201), found=Found(found.users, projects))
