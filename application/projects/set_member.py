from dataclasses import dataclass
from uuid import UUID

from application.ports import Clock
from application.projects.access import load_project_access
from application.projects.members import ensure_not_last_manager
from application.use_case import UseCase
from domain.errors import NotFound
from domain.projects import MemberRole, MemberView, ProjectMember
from domain.unit_of_work import UnitOfWork
from domain.users import Actor


@dataclass(frozen=True, slots=True)
class SetMemberCommand:
    actor: Actor
    project_id: UUID
    user_id: UUID
    role: MemberRole


class SetMember(UseCase):
    """Add a user to a project, or change their role in it.

    Rules: managers and admins only (other members get 'permission denied', non-members 'not
    found'); the user must exist, be active and not deleted ('user not found' otherwise); demoting
    the last manager is a conflict; giving a member the role they have changes nothing.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, command: SetMemberCommand) -> MemberView:
        async with self._uow:
            projects = self._uow.projects
            access = await load_project_access(self._uow, command.actor, command.project_id)
            access.ensure_can_manage()
            user = await self._uow.users.get_by_id(command.user_id)
            if user is None or not user.is_active:
                raise NotFound("user not found")
            now = self._clock.now()
            member = await projects.get_member(command.project_id, command.user_id)
            if member is None:
                member = ProjectMember(
                    project_id=command.project_id,
                    user_id=command.user_id,
                    role=command.role,
                    created_at=now,
                    updated_at=now,
                )
                await projects.save_member(member)
            elif member.role is not command.role:
                if member.role is MemberRole.MANAGER:
                    await ensure_not_last_manager(projects, command.project_id, command.user_id)
                member.role, member.updated_at = command.role, now
                await projects.save_member(member)
        return MemberView(
            user_id=user.id,
            full_name=user.full_name,
            email=user.email,
            role=member.role,
            created_at=member.created_at,
            updated_at=member.updated_at,
        )
