from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import jwt
from litestar.security.jwt import Token

from adapters.security.stamps import password_stamp
from application.ports import IssuedToken
from domain.users import Actor, UserRole

JWT_ALGORITHM = "HS256"
ROLE_CLAIM = "role"
PASSWORD_CLAIM = "pwd"  # noqa: S105 (a claim name, not a password)


class JwtTokenIssuer:
    """Signed access tokens (HS256) naming the user, their role, the issuer and the audience, with an expiry.

    The role travels in the token so that a request knows what its caller may do before it reads
    anything; the request's transaction then confirms that the account still holds that role, and
    still has the password hash whose stamp (adapters/security/stamps.py) the token carries.
    """

    def __init__(self, *, secret: str, issuer: str, audience: str, lifetime: timedelta) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._lifetime = lifetime

    def issue(self, actor: Actor, password_hash: str) -> IssuedToken:
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
            PASSWORD_CLAIM: password_stamp(password_hash),
        }
        return IssuedToken(
            access_token=jwt.encode(claims, self._secret, algorithm=JWT_ALGORITHM),
            expires_in=int(self._lifetime.total_seconds()),
        )


def claims_of(token: Token) -> tuple[Actor, str] | None:
    """The actor a verified token names and its password stamp; None when its subject or role is
    not one of ours, or it has no stamp (issued before tokens had one)."""
    stamp = token.extras.get(PASSWORD_CLAIM)
    if not isinstance(stamp, str):
        return None
    try:
        return Actor(id=UUID(token.sub), role=UserRole(str(token.extras.get(ROLE_CLAIM)))), stamp
    except ValueError:
        return None
