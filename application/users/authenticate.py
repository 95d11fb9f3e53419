from dataclasses import dataclass, field
from uuid import UUID

from application.ports import Clock, IssuedToken, PasswordHasher, TokenIssuer
from application.use_case import UseCase
from domain.errors import AuthenticationFailed, ValidationFailed
from domain.unit_of_work import UnitOfWork
from domain.users import UserChanges, normalize_email


@dataclass(frozen=True, slots=True)
class AuthenticateCommand:
    email: str
    password: str = field(repr=False)


class Authenticate(UseCase):
    """Exchange an email and password for an access token.

    Rules: the account must exist, be active and not deleted, and the password must match; every
    failure gives the same answer so that nobody learns which emails have accounts. A hash made
    with outdated parameters is replaced on a successful sign-in. The token lasts while the
    password does: it is issued for the hash stored when it was made.
    """

    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenIssuer, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock

    async def execute(self, command: AuthenticateCommand) -> IssuedToken:
        failure = AuthenticationFailed("invalid email or password")
        try:
            email = normalize_email(command.email)
        except ValidationFailed:
            raise failure from None
        # The slow hash checks run outside the transaction, so they hold no lock.
        async with self._uow.read_only():
            user = await self._uow.users.get_by_email(email)
        if user is None:
            # Hashing costs what verifying does: an unknown email answers as slowly as a known one.
            await self._hasher.hash(command.password)
            raise failure
        if not await self._hasher.verify(user.password_hash, command.password) or not user.is_active:
            raise failure
        password_hash = user.password_hash
        if self._hasher.needs_rehash(password_hash):
            password_hash = await self._rehash(password_hash, command.password, user.id)
        return self._tokens.issue(user.as_actor(), password_hash)

    async def _rehash(self, old_hash: str, password: str, user_id: UUID) -> str:
        """Store a hash with the current parameters; return the hash now stored."""
        new_hash = await self._hasher.hash(password)
        async with self._uow:
            user = await self._uow.users.get_by_id(user_id)
            # Skip if the password changed meanwhile: the newer hash wins, and the token issued for
            # the old one will be refused.
            if user is None or user.password_hash != old_hash:
                return old_hash
            user.apply(UserChanges(password_hash=new_hash), self._clock.now())
            await self._uow.users.update(user)
        return new_hash
