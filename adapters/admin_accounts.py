"""Creating an administrator from outside the API: the CLI, or the app's start-up for a new database."""

import logging

from dishka import AsyncContainer

from application.users.register_user import RegisterUser, RegisterUserCommand
from domain.errors import Conflict
from domain.users import Actor, User, UserRole

logger = logging.getLogger(__name__)


async def create_admin(container: AsyncContainer, email: str, full_name: str, password: str) -> User:
    """Register an administrator as the operator at the server's shell."""
    async with container() as request:
        register = await request.get(RegisterUser)
        return await register.execute(
            RegisterUserCommand(
                actor=Actor.operator(),
                email=email,
                full_name=full_name,
                password=password,
                role=UserRole.ADMIN,
            )
        )


async def ensure_startup_admin(container: AsyncContainer, email: str, password: str) -> None:
    """Create the administrator unless the email is taken: safe on every start-up."""
    try:
        user = await create_admin(container, email, "Administrator", password)
    except Conflict:
        logger.info("start-up administrator %s already exists; left as it is", email)
    else:
        logger.info("created start-up administrator %s", user.email)
