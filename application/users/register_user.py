from dataclasses import dataclass, field

from application.permissions import ServiceAccess
from application.ports import Clock, PasswordHasher
from application.use_case import UseCase
from application.users.emails import ensure_email_free
from domain.ids import new_id
from domain.unit_of_work import UnitOfWork
from domain.users import Actor, User, UserRole, check_password, normalize_email


@dataclass(frozen=True, slots=True)
class RegisterUserCommand:
    actor: Actor
    email: str
    full_name: str
    password: str = field(repr=False)
    role: UserRole = UserRole.MEMBER


class RegisterUser(UseCase):
    """Create a user account.

    Rules: only administrators register users; the email must be valid and not used by another
    non-deleted user (a soft-deleted user's email may be reused); the password must meet the length
    policy and is stored only as a hash; the id is a new UUIDv7.
    """

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def execute(self, command: RegisterUserCommand) -> User:
        ServiceAccess(command.actor).ensure_can_administer()
        check_password(command.password)
        email = normalize_email(command.email)
        password_hash = await self._hasher.hash(command.password)
        async with self._uow:
            await ensure_email_free(self._uow.users, email)
            user = User.register(
                id=new_id(),
                email=email,
                full_name=command.full_name,
                password_hash=password_hash,
                role=command.role,
                now=self._clock.now(),
            )
            await self._uow.users.create(user)
        return user
