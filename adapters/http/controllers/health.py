from typing import Any

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, get

from adapters.health import ReadinessProbe
from adapters.http.problems import RETRY_AFTER_SECONDS, FieldError, problem, problem_responses


class HealthStatus(msgspec.Struct):
    status: str
    checks: dict[str, str] = msgspec.field(default_factory=dict)


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", summary="The process is up", responses=problem_responses(needs_store=False), security=[{}])
    async def live(self) -> HealthStatus:
        return HealthStatus(status="ok")

    @get(
        "/ready",
        summary="The database answers and its schema is at the newest migration",
        responses=problem_responses(503),
        security=[{}],
        cache_control=None,
    )
    async def ready(
        self, request: Request[Any, Any, Any], probe: FromDishka[ReadinessProbe]
    ) -> Response[Any]:
        readiness = await probe.check()
        if readiness.ready:
            return Response(HealthStatus(status="ok", checks=readiness.checks))
        failures = [
            FieldError(field=name, message=state) for name, state in readiness.checks.items() if state != "ok"
        ]
        return problem(
            request,
            503,
            "the service is not ready",
            failures,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
