"""Bearer-token authentication: Litestar's JWT middleware; the request's transaction checks the account."""

import re
from datetime import timedelta
from typing import Any

from dishka import AsyncContainer
from litestar.connection import ASGIConnection
from litestar.openapi.spec import Components, SecurityScheme
from litestar.security.jwt import JWTAuth, Token

from adapters.persistence.caller import Caller
from adapters.security.tokens import JWT_ALGORITHM, claims_of
from adapters.settings import Settings
from domain.users import Actor

# /metrics has its own token (TASKBOARD_METRICS_TOKEN), not a user's.
PUBLIC_PATHS = ["^/health/", "^/schema", "^/api/v1/auth/token$", "^/metrics$"]
_PUBLIC = re.compile("|".join(PUBLIC_PATHS))


def is_public(path: str) -> bool:
    """Whether the path is served without a signed-in caller (as Litestar's `exclude` matches)."""
    return _PUBLIC.search(path) is not None


async def retrieve_actor(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    """The actor the verified token names, without a database round trip of its own.

    The token is only as good as the account behind it: the request's unit of work confirms the
    account (live, active, same role, same password) as the first statement of its transaction,
    so a deactivated user is refused at once and the check costs no transaction of its own.
    """
    claims = claims_of(token)
    if claims is None:
        return None
    actor, stamp = claims
    container: AsyncContainer = connection.state.dishka_container
    caller = await container.get(Caller)
    caller.actor, caller.password_stamp = actor, stamp
    return actor


class BearerTokenAuth(JWTAuth[Actor, Token]):
    """Litestar's JWT authentication, documented as a valid OpenAPI bearer scheme."""

    @property
    def openapi_components(self) -> Components:
        # Litestar's scheme also carries `name`, which OpenAPI allows only in an apiKey scheme: the
        # document would be invalid.
        return Components(
            security_schemes={
                self.openapi_security_scheme_name: SecurityScheme(
                    type="http", scheme="Bearer", bearer_format="JWT", description=self.description
                )
            }
        )


def jwt_auth(settings: Settings) -> JWTAuth[Actor, Token]:
    return BearerTokenAuth(
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
