"""Conversions between domain entities and ORM models (or rows), field by field."""

from collections.abc import Callable, Mapping

from adapters.persistence.sqlalchemy.models import (
    CommentModel,
    ProjectMemberModel,
    ProjectModel,
    TagModel,
    TaskModel,
    UserModel,
)
from domain.comments import Comment
from domain.projects import Project, ProjectMember, Tag
from domain.tasks import Task, rank
from domain.users import User


def user_from_model(model: UserModel) -> User:
    return User(
        id=model.id,
        email=model.email,
        full_name=model.full_name,
        password_hash=model.password_hash,
        role=model.role,
        is_active=model.is_active,
        is_deleted=model.is_deleted,
        created_at=model.created_at,
        updated_at=model.updated_at,
        version=model.version,
    )


def user_to_model(user: User) -> UserModel:
    model = UserModel(id=user.id)
    copy_user_onto_model(user, model)
    return model


def copy_user_onto_model(user: User, model: UserModel) -> None:
    model.email = user.email
    model.full_name = user.full_name
    model.password_hash = user.password_hash
    model.role = user.role
    model.is_active = user.is_active
    model.is_deleted = user.is_deleted
    model.created_at = user.created_at
    model.updated_at = user.updated_at
    model.version = user.version


def project_from_model(model: ProjectModel) -> Project:
    return Project(
        id=model.id,
        key=model.key,
        name=model.name,
        description=model.description,
        is_deleted=model.is_deleted,
        created_at=model.created_at,
        updated_at=model.updated_at,
        version=model.version,
    )


def project_to_model(project: Project) -> ProjectModel:
    # A new project has handed out no task numbers yet.
    model = ProjectModel(id=project.id, key=project.key, task_counter=0)
    copy_project_onto_model(project, model)
    return model


def copy_project_onto_model(project: Project, model: ProjectModel) -> None:
    model.name = project.name
    model.name_folded = project.name.casefold()
    model.description = project.description
    model.is_deleted = project.is_deleted
    model.created_at = project.created_at
    model.updated_at = project.updated_at
    model.version = project.version


def member_from_model(model: ProjectMemberModel) -> ProjectMember:
    return ProjectMember(
        project_id=model.project_id,
        user_id=model.user_id,
        role=model.role,
        created_at=model.created_at,
        updated_at=model.updated_at,
    )


def copy_member_onto_model(member: ProjectMember, model: ProjectMemberModel) -> None:
    model.project_id = member.project_id
    model.user_id = member.user_id
    model.role = member.role
    model.created_at = member.created_at
    model.updated_at = member.updated_at


def tag_from_model(model: TagModel) -> Tag:
    return Tag(
        id=model.id,
        project_id=model.project_id,
        name=model.name,
        color=model.color,
        created_at=model.created_at,
        updated_at=model.updated_at,
    )


def copy_tag_onto_model(tag: Tag, model: TagModel) -> None:
    model.id = tag.id
    model.project_id = tag.project_id
    model.name = tag.name
    model.name_key = tag.name_key
    model.color = tag.color
    model.created_at = tag.created_at
    model.updated_at = tag.updated_at


def task_from_model(model: TaskModel) -> Task:
    """Needs `model.tags` loaded (selectinload): the tag set is part of the task."""
    return Task(
        id=model.id,
        project_id=model.project_id,
        number=model.number,
        title=model.title,
        description=model.description,
        status=model.status,
        priority=model.priority,
        assignee_id=model.assignee_id,
        reporter_id=model.reporter_id,
        due_date=model.due_date,
        completed_at=model.completed_at,
        tag_ids=frozenset(tag.id for tag in model.tags),
        is_deleted=model.is_deleted,
        created_at=model.created_at,
        updated_at=model.updated_at,
        version=model.version,
    )


# The columns a task row holds that are not fields of the task but follow from them: the folded
# title that `q=` searches, and the ranks that `sort=status` / `sort=priority` order by. This is
# their one home; the seeder's bulk rows use it too.
TASK_DERIVED_COLUMNS: Mapping[str, Callable[[Task], object]] = {
    "title_folded": lambda task: task.title.casefold(),
    "status_rank": lambda task: rank(task.status),
    "priority_rank": lambda task: rank(task.priority),
}


def copy_task_onto_model(task: Task, model: TaskModel) -> None:
    """Every column; the tag set is the repository's to write (it needs the tag rows)."""
    model.id = task.id
    model.project_id = task.project_id
    model.number = task.number
    model.title = task.title
    model.description = task.description
    model.status = task.status
    model.priority = task.priority
    model.assignee_id = task.assignee_id
    model.reporter_id = task.reporter_id
    model.due_date = task.due_date
    model.completed_at = task.completed_at
    model.is_deleted = task.is_deleted
    model.created_at = task.created_at
    model.updated_at = task.updated_at
    model.version = task.version
    for column, derive in TASK_DERIVED_COLUMNS.items():
        setattr(model, column, derive(task))


def comment_from_model(model: CommentModel) -> Comment:
    return Comment(
        id=model.id,
        task_id=model.task_id,
        author_id=model.author_id,
        body=model.body,
        is_deleted=model.is_deleted,
        created_at=model.created_at,
        updated_at=model.updated_at,
        version=model.version,
    )


def copy_comment_onto_model(comment: Comment, model: CommentModel) -> None:
    model.id = comment.id
    model.task_id = comment.task_id
    model.author_id = comment.author_id
    model.body = comment.body
    model.is_deleted = comment.is_deleted
    model.created_at = comment.created_at
    model.updated_at = comment.updated_at
    model.version = comment.version
