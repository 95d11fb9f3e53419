from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from litestar.security.jwt import Token

from application.ports import IssuedToken

JWT_ALGORITHM = "HS256"


class JwtTokenIssuer:
    """Signed access tokens (HS256) naming the user, the issuer and the audience, with an expiry."""

    def __init__(self, *, secret: str, issuer: str, audience: str, lifetime: timedelta) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._lifetime = lifetime

    def issue(self, user_id: UUID) -> IssuedToken:
        token = Token(
            sub=str(user_id),
            exp=datetime.now(UTC) + self._lifetime,
            iss=self._issuer,
            aud=self._audience,
            jti=uuid4().hex,
        )
        return IssuedToken(
            access_token=token.encode(self._secret, JWT_ALGORITHM),
            expires_in=int(self._lifetime.total_seconds()),
        )
