from dataclasses import dataclass
from uuid import UUID

from application.projects.access import load_project_access
from application.projects.members import ensure_not_last_manager
from application.use_case import UseCase
from domain.errors import Conflict, NotFound
from domain.projects import MemberRole
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class RemoveMemberCommand:
    actor: Actor
    project_id: UUID
    user_id: UUID


class RemoveMember(UseCase):
    """Take a user out of a project.

    Rules: managers and admins remove anyone, and any member may remove themselves (other members
    get 'permission denied', non-members 'not found'); a user who is not a member is 'not found';
    removing the last manager is a conflict, and so is removing a member who still has live tasks
    assigned in the project (reassign them first).
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def execute(self, command: RemoveMemberCommand) -> None:
        async with self._uow:
            projects = self._uow.projects
            access = await load_project_access(self._uow, command.actor, command.project_id)
            if command.user_id != command.actor.id:
                access.ensure_can_manage()
            member = await projects.get_member(command.project_id, command.user_id)
            if member is None:
                raise NotFound("member not found")
            if member.role is MemberRole.MANAGER:
                await ensure_not_last_manager(projects, command.project_id, command.user_id)
            assigned = await self._uow.tasks.count_assigned(command.project_id, command.user_id)
            if assigned:
                raise Conflict(f"the member still has {assigned} task(s) assigned in this project")
            await projects.remove_member(command.project_id, command.user_id)
