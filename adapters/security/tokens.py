from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import jwt
from litestar.security.jwt import Token

from application.ports import IssuedToken
from domain.users import Actor, UserRole

JWT_ALGORITHM = "HS256"
ROLE_CLAIM = "role"


class JwtTokenIssuer:
    """Signed access tokens (HS256) naming the user, their role, the issuer and the audience, with an expiry.

    The role travels in the token so that a request knows what its caller may do before it reads
    anything; the request's transaction then confirms that the account still holds that role.
    """

    def __init__(self, *, secret: str, issuer: str, audience: str, lifetime: timedelta) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._lifetime = lifetime

    def issue(self, actor: Actor) -> IssuedToken:
        now = datetime.now(UTC)
        # Encoded with PyJWT rather than Token.encode, which would nest the role under "extras";
        # Litestar's decoding hands top-level claims it does not know to Token.extras.
        claims = {
            "sub": str(actor.id),
            "iat": now,
            "exp": now + self._lifetime,
            "iss": self._issuer,
            "aud": self._audience,
            "jti": uuid4().hex,
            ROLE_CLAIM: actor.role.value,
        }
        return IssuedToken(
            access_token=jwt.encode(claims, self._secret, algorithm=JWT_ALGORITHM),
            expires_in=int(self._lifetime.total_seconds()),
        )


def actor_of(token: Token) -> Actor | None:
    """The actor a verified token names; None when its subject or role is not one of ours."""
    try:
        return Actor(id=UUID(token.sub), role=UserRole(str(token.extras.get(ROLE_CLAIM))))
    except ValueError:
        return None
