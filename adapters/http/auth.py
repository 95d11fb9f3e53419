"""Bearer-token authentication: Litestar's JWT middleware, checked against the database per request."""

from datetime import timedelta
from typing import Any
from uuid import UUID

from dishka import AsyncContainer
from litestar.connection import ASGIConnection
from litestar.security.jwt import JWTAuth, Token

from adapters.security.tokens import JWT_ALGORITHM
from adapters.settings import Settings
from application.users.authenticate import IdentifyCaller, IdentifyCallerQuery
from domain.errors import AuthenticationFailed
from domain.users import Actor

PUBLIC_PATHS = ["^/health/", "^/schema", "^/api/v1/auth/token$"]


async def retrieve_actor(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    """The token is only as good as the account behind it: a deactivated user is refused at once."""
    try:
        user_id = UUID(token.sub)
    except ValueError:
        return None
    container: AsyncContainer = connection.state.dishka_container
    identify = await container.get(IdentifyCaller)
    try:
        return await identify.execute(IdentifyCallerQuery(user_id=user_id))
    except AuthenticationFailed:
        return None


def jwt_auth(settings: Settings) -> JWTAuth[Actor, Token]:
    return JWTAuth[Actor, Token](
        retrieve_user_handler=retrieve_actor,
        token_secret=settings.secret_key,
        algorithm=JWT_ALGORITHM,
        accepted_issuers=[settings.token_issuer],
        accepted_audiences=[settings.token_audience],
        strict_audience=True,
        require_claims=["exp", "iat", "sub", "iss", "aud"],
        default_token_expiration=timedelta(seconds=settings.token_lifetime_seconds),
        exclude=PUBLIC_PATHS,
        description="A token from POST /api/v1/auth/token, sent as `Authorization: Bearer <token>`.",
    )
