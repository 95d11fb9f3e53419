from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, post

from adapters.http.problems import problem_responses
from adapters.http.rate_limits import RateLimits
from adapters.http.schemas.bodies import ClosedJSONBody
from adapters.http.schemas.users import TokenRequest, TokenResponse
from application.users.authenticate import Authenticate, AuthenticateCommand


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post(
        "/token",
        status_code=200,
        summary="Sign in: exchange email and password for a bearer token",
        responses=problem_responses(400, 401, 413, 422, 429),
        security=[{}],
    )
    async def issue_token(
        self,
        request: Request[None, None, Any],
        data: ClosedJSONBody[TokenRequest],
        authenticate: FromDishka[Authenticate],
        limits: FromDishka[RateLimits],
    ) -> TokenResponse:
        address = request.client.host if request.client else "unknown"
        async with limits.signing_in(address, data.email):
            token = await authenticate.execute(AuthenticateCommand(email=data.email, password=data.password))
        return TokenResponse(
            access_token=token.access_token,
            token_type=token.token_type,
            expires_in=token.expires_in,
        )
