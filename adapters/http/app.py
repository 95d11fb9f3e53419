"""The Litestar application around a container of the composition root (adapters/composition.py)."""

import gc
from typing import Any

from dishka import AsyncContainer
from dishka.integrations.litestar import DishkaRouter, setup_dishka
from litestar import Litestar, Request
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import CacheControlHeader, MutableScopeHeaders
from litestar.openapi import OpenAPIConfig
from litestar.types import Message, Scope

from adapters.admin_accounts import ensure_startup_admin
from adapters.http.auth import jwt_auth
from adapters.http.controllers.auth import AuthController
from adapters.http.controllers.comments import CommentController
from adapters.http.controllers.health import HealthController
from adapters.http.controllers.history import HistoryController
from adapters.http.controllers.projects import ProjectController
from adapters.http.controllers.tasks import TaskController
from adapters.http.controllers.users import UserController
from adapters.http.controllers.webhooks import WebhookController
from adapters.http.docs import CONTENT_SECURITY_POLICY, DOCS_PATH, OfflineSwaggerUI
from adapters.http.metrics import PROMETHEUS, forget_this_worker, metrics_router
from adapters.http.openapi import (
    ClosedStructSchemas,
    answer_options_with_every_method,
    document_write_limits,
    operation_id,
)
from adapters.http.problems import EXCEPTION_HANDLERS
from adapters.http.rate_limits import counts_as_write, limit_writes
from adapters.http.reading import TaskboardRequest, refuse_loosely_typed_body, refuse_unreadable_query
from adapters.http.request_log import RequestLog
from adapters.settings import Settings
from adapters.webhooks.dispatcher import dispatcher_for

# A request allocates thousands of objects that die with it. At CPython's default threshold (700 net
# allocations) the young generation is collected several times per request; at 10,000 it is
# collected about once. Measured with wrk on GET /api/v1/tasks (a page of 50, one process): about
# +35% requests per second for about 2 MB more memory; 50,000 was slower again.
YOUNG_GENERATION_THRESHOLD = 10_000


# Sent with every response, problems included: no content sniffing, no referrer leaking the API's
# URLs elsewhere.
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


async def add_security_headers(message: Message, scope: Scope) -> None:
    # A hook on the way out, not route headers: error responses skip those, and so do static files.
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in SECURITY_HEADERS.items():
            headers[name] = value
        if scope["path"].startswith(DOCS_PATH):
            headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY


# What a browser front end may send and read across origins.
CORS_REQUEST_HEADERS = ["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "X-Request-ID"]
CORS_RESPONSE_HEADERS = ["ETag", "Location", "Link", "X-Request-ID", "Retry-After"]


async def read_then_limit(request: Request[Any, Any, Any]) -> None:
    """Litestar takes one hook before the handler: an unreadable query is refused before it can
    count against the caller's writes."""
    await refuse_unreadable_query(request)
    await refuse_loosely_typed_body(request)
    await limit_writes(request)


def cors_config(settings: Settings) -> CORSConfig | None:
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=CORS_REQUEST_HEADERS,
        expose_headers=CORS_RESPONSE_HEADERS,
        # Bearer tokens, not cookies: a browser sends no credentials of its own.
        allow_credentials=False,
    )


async def collect_young_objects_less_often() -> None:
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)


def build_app(container: AsyncContainer, settings: Settings) -> Litestar:
    """The HTTP API over the adapters in `container`; the app closes the container when it stops."""

    async def close_container() -> None:
        await container.close()

    async def start_webhook_dispatcher() -> None:
        # Each worker process runs one; they share the deliveries through the database's claims.
        if settings.webhook_in_process:
            app.state.webhook_dispatcher = await dispatcher_for(container, settings)
            app.state.webhook_dispatcher.start()

    async def stop_webhook_dispatcher() -> None:
        if "webhook_dispatcher" in app.state:
            await app.state.webhook_dispatcher.stop()

    async def create_startup_admin() -> None:
        if settings.admin_email and settings.admin_password:
            await ensure_startup_admin(container, settings.admin_email, settings.admin_password)

    app = Litestar(
        route_handlers=[
            # Handlers under a DishkaRouter receive FromDishka[...] arguments without @inject.
            DishkaRouter(
                "/",
                # Every answer of the API speaks for one caller: no browser or proxy may keep it.
                cache_control=CacheControlHeader(no_store=True),
                route_handlers=[
                    AuthController,
                    UserController,
                    ProjectController,
                    TaskController,
                    CommentController,
                    HistoryController,
                    WebhookController,
                    HealthController,
                ],
            ),
            metrics_router(settings.metrics_token),
        ],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_class=TaskboardRequest,
        plugins=[ClosedStructSchemas()],
        before_request=read_then_limit,
        on_app_init=[jwt_auth(settings).on_app_init],
        # In each worker process: uvicorn starts them afresh, so the parent's settings do not carry over.
        on_startup=[collect_young_objects_less_often, create_startup_admin, start_webhook_dispatcher],
        on_shutdown=[stop_webhook_dispatcher, close_container, forget_this_worker],
        request_max_body_size=settings.max_body_bytes,
        middleware=[PROMETHEUS.middleware],
        before_send=[add_security_headers],
        cors_config=cors_config(settings),
        # List pages are 30-60 KB of JSON; level 6 gets most of level 9's gain for far less CPU.
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024, gzip_compress_level=6),
        openapi_config=OpenAPIConfig(
            title="taskboard",
            version="1.0.0",
            description="Task tracking over HTTP. Errors are RFC 9457 problem details.",
            path=DOCS_PATH,
            render_plugins=[OfflineSwaggerUI()],
            operation_id_creator=operation_id,
        ),
        debug=False,
        # Logging is configured once per process, for uvicorn and the app alike (adapters/logs.py);
        # Litestar's own configuration would replace the root logger's handlers in each worker.
        logging_config=None,
    )
    answer_options_with_every_method(app)
    document_write_limits(app, counts_as_write)
    setup_dishka(container, app)
    # Outermost, around routing: Litestar runs app middleware only for requests it routed, and a
    # 404 for an unknown path or a 405 needs its id and its access line too.
    app.asgi_handler = RequestLog(app.asgi_handler)
    return app
