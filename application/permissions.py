"""Who may do what: every permission of the service, named, in one place.

Two access objects answer every "may they?" question. `ServiceAccess` holds what an actor may do
across the service (administer it, see a user); `ProjectAccess` holds what they may do in one
project and its work (see it, write tasks, tags and comments, manage it). Use cases ask these by
name (`access.can_manage`) and never re-derive a rule from roles.

Who may not see an object is told it does not exist (NotFound, exactly as for an unknown id);
who sees it but may not change it is refused (PermissionDenied).
"""

from dataclasses import dataclass
from uuid import UUID

from domain.comments import Comment
from domain.errors import PermissionDenied
from domain.projects import MemberRole, Project
from domain.tasks import Task, TaskSummary
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class ServiceAccess:
    """What an actor may do beyond any one project."""

    actor: Actor

    @property
    def can_administer(self) -> bool:
        """Create, list, delete and restore users, change roles and active flags, see every
        project (deleted ones too) and act as a manager in each: admins only."""
        return self.actor.is_admin

    def can_view_user(self, user_id: UUID) -> bool:
        """Admins see every user; anyone else sees only themselves."""
        return self.can_administer or user_id == self.actor.id

    def ensure_can_administer(self) -> None:
        if not self.can_administer:
            raise PermissionDenied("only administrators may do this")


@dataclass(frozen=True, slots=True)
class ProjectAccess:
    """A project as one actor sees it: `role` is their membership (None for a non-member)."""

    actor: Actor
    project: Project
    role: MemberRole | None

    @property
    def can_view(self) -> bool:
        """See the project and its live work: members and admins. A deleted project only by those
        who manage it (to restore it)."""
        if self.project.is_deleted:
            return self.can_manage
        return self.actor.is_admin or self.role is not None

    @property
    def can_write(self) -> bool:
        """Create and change tasks, tags and comments: managers, contributors and admins."""
        return self.actor.is_admin or (self.role is not None and self.role.can_write)

    @property
    def can_manage(self) -> bool:
        """Change the project itself and its members, see and restore deleted work: managers and
        admins."""
        return self.actor.is_admin or self.role is MemberRole.MANAGER

    def can_view_task(self, task: Task | TaskSummary) -> bool:
        """A live task by whoever sees its project; a deleted one only by those who manage it."""
        return self.can_view and (not task.is_deleted or self.can_manage)

    def can_change_comment(self, comment: Comment) -> bool:
        """Edit or delete a comment: its author while they may still write, managers and admins.

        Viewers write nothing: an author who has since become a viewer can no longer change their
        comments."""
        return self.can_manage or (self.can_write and comment.author_id == self.actor.id)

    def ensure_can_write(self) -> None:
        if not self.can_write:
            raise PermissionDenied("viewers may not change this project's work")

    def ensure_can_manage(self) -> None:
        if not self.can_manage:
            raise PermissionDenied("only the project's managers may do this")

    def ensure_can_change_comment(self, comment: Comment) -> None:
        self.ensure_can_write()
        if not self.can_change_comment(comment):
            raise PermissionDenied("only the author or a project manager may change this comment")
