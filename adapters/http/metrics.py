"""GET /metrics in Prometheus text format: Litestar's Prometheus plugin (its middleware counts and
times every routed request, its controller renders every metric of the process, or of all workers
under `taskboard serve`), behind the bearer token TASKBOARD_METRICS_TOKEN when one is set."""

import hmac
import os
from typing import Any

from litestar import Router
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.types import Guard
from prometheus_client import multiprocess

# taskboard_requests_total and taskboard_request_duration_seconds by method, route template and
# status: `group_path` labels a request with its route's template (/api/v1/tasks/{task_id}),
# not its path, so every task does not become a series of its own.
PROMETHEUS = PrometheusConfig(app_name="taskboard", prefix="taskboard", group_path=True)


def metrics_router(token: str | None) -> Router:
    """The metrics route, kept out of the OpenAPI document: it is for Prometheus, not API clients,
    and speaks text, not JSON."""
    return Router(
        "/",
        route_handlers=[PrometheusController],
        guards=[_bearer(token)] if token else None,
        include_in_schema=False,
    )


def _bearer(token: str) -> Guard:
    expected = token.encode()

    def require_token(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        scheme, _, given = connection.headers.get("Authorization", "").partition(" ")
        # compare_digest: how long the comparison takes says nothing about how much of it matched.
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
            raise NotAuthorizedException("the metrics need the bearer token the server was given")

    return require_token


async def forget_this_worker() -> None:
    """On shutdown: a stopping worker's pool gauges leave /metrics with it (its counts stay in the sums)."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
