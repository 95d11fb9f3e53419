"""Bearer-token authentication: Litestar's JWT middleware; the request's transaction checks the account."""

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from dishka import AsyncContainer
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
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


class VerifiedOnceToken(Token):
    """A token whose signature and claims are checked once per process, not on every request.

    A client sends the same token with each request for its whole lifetime, and checking its HMAC
    and claims again each time was about 5% of a `GET /tasks`. A token is remembered only after it
    passed every check, under all it was checked against (secret, algorithm, issuer, audience,
    required claims), so another key or issuer checks it afresh. Expiry is time-bound and is checked
    again at each use; a token with a not-before claim is not remembered. Whether the account behind
    it may still act is checked by each request's unit of work, as for any token.
    """

    _verified: dict[tuple[object, ...], "VerifiedOnceToken"] = {}
    # About 200 bytes a token: a bounded cache of at most about a megabyte.
    _MAX_VERIFIED = 4096

    @classmethod
    def decode(
        cls,
        encoded_token: str,
        secret: str,
        algorithm: str,
        audience: str | Sequence[str] | None = None,
        issuer: str | Sequence[str] | None = None,
        require_claims: Sequence[str] | None = None,
        verify_exp: bool = True,
        verify_nbf: bool = True,
        strict_audience: bool = False,
    ) -> Self:
        key = (
            encoded_token,
            secret,
            algorithm,
            _frozen(audience),
            _frozen(issuer),
            _frozen(require_claims),
            verify_exp,
            verify_nbf,
            strict_audience,
        )
        token = cls._verified.get(key)
        if token is None:
            token = super().decode(
                encoded_token,
                secret,
                algorithm,
                audience=audience,
                issuer=issuer,
                require_claims=require_claims,
                verify_exp=verify_exp,
                verify_nbf=verify_nbf,
                strict_audience=strict_audience,
            )
            if "nbf" not in token.extras:
                if len(cls._verified) >= cls._MAX_VERIFIED:
                    del cls._verified[next(iter(cls._verified))]  # the oldest
                cls._verified[key] = token
        elif verify_exp and token.exp <= datetime.now(UTC):
            del cls._verified[key]
            raise NotAuthorizedException("Invalid token")
        return token  # type: ignore[return-value]


def _frozen(value: str | Sequence[str] | None) -> object:
    return value if value is None or isinstance(value, str) else tuple(value)


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
        token_cls=VerifiedOnceToken,
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
