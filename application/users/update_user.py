from dataclasses import dataclass, field
from uuid import UUID

from application.permissions import ServiceAccess
from application.ports import Clock, PasswordHasher
from application.use_case import UseCase
from application.users.access import load_visible_user
from application.users.admins import ensure_not_last_admin
from application.users.emails import ensure_email_free
from domain.errors import PermissionDenied, ensure_version
from domain.unit_of_work import UnitOfWork
from domain.users import Actor, User, UserChanges, UserRole, check_password, normalize_email


@dataclass(frozen=True, slots=True)
class UpdateUserCommand:
    """A partial update: fields left as None stay as they are."""

    actor: Actor
    user_id: UUID
    expected_version: int | None = None
    email: str | None = None
    full_name: str | None = None
    role: UserRole | None = None
    is_active: bool | None = None
    password: str | None = field(default=None, repr=False)


class UpdateUser(UseCase):
    """Change a user's details.

    Rules: admins change anyone; members change only themselves (anyone else is 'not found') and may
    not change their own role, active flag or email; the email stays unique among non-deleted users;
    the
    last active admin cannot be demoted or deactivated; a stale expected version is refused; a
    request that changes nothing leaves the version as it is.
    """

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def execute(self, command: UpdateUserCommand) -> User:
        changes_standing = command.role is not None or command.is_active is not None
        if changes_standing and not ServiceAccess(command.actor).can_administer:
            raise PermissionDenied("only administrators may change a role or the active flag")
        password_hash = None
        if command.password is not None:
            check_password(command.password)
            password_hash = await self._hasher.hash(command.password)
        email = None if command.email is None else normalize_email(command.email)

        async with self._uow:
            users = self._uow.users
            user = await load_visible_user(users, command.actor, command.user_id)
            ensure_version(user.version, command.expected_version)
            if email is not None and email != user.email:
                # A member is refused before the email is looked up, so the answer is the same
                # whether it is free or taken: "taken" would tell any signed-in user who has an
                # account. Admins see every user anyway. Self-service needs the new address
                # verified first, which the service cannot do yet.
                if not ServiceAccess(command.actor).can_administer:
                    raise PermissionDenied("an administrator changes email addresses", field="email")
                await ensure_email_free(users, email, owner=user.id)
            if command.role is UserRole.MEMBER or command.is_active is False:
                await ensure_not_last_admin(users, user)
            changes = UserChanges(
                email=email,
                full_name=command.full_name,
                role=command.role,
                is_active=command.is_active,
                password_hash=password_hash,
            )
            if user.apply(changes, self._clock.now()):
                await users.update(user)
        return user
