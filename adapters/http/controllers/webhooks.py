"""A project's webhooks and their deliveries: the managers' (and admins')."""

from uuid import UUID

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery

from adapters.http.cursors import CursorCodec
from adapters.http.idempotency import IdempotencyKey, idempotent
from adapters.http.paging import LINK_HEADER, Cursor, Pager
from adapters.http.params import AuthedRequest, Limit, Offset, unset_to_none
from adapters.http.problems import problem_responses
from adapters.http.schemas.bodies import ClosedJSONBody
from adapters.http.schemas.webhooks import (
    DeliveryPage,
    DeliveryRead,
    WebhookCreate,
    WebhookRead,
    WebhookUpdate,
)
from application.webhooks.create_webhook import CreateWebhook, CreateWebhookCommand
from application.webhooks.delete_webhook import DeleteWebhook, DeleteWebhookCommand
from application.webhooks.get_webhook import GetWebhook, GetWebhookQuery
from application.webhooks.list_deliveries import ListDeliveries, ListDeliveriesQuery
from application.webhooks.list_webhooks import ListWebhooks, ListWebhooksQuery
from application.webhooks.retry_delivery import RetryDelivery, RetryDeliveryCommand
from application.webhooks.update_webhook import UpdateWebhook, UpdateWebhookCommand
from domain.paging import DEFAULT_LIMIT
from domain.webhooks import DELIVERY_SORT, DELIVERY_SORT_FIELDS, DeliveryStatus


class WebhookController(Controller):
    path = "/api/v1/projects/{project_id:uuid}/webhooks"
    tags = ["webhooks"]

    @post(
        "/",
        summary="Subscribe a URL to the project's events (managers); the answer is the only one "
        "that shows the secret",
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    )
    @idempotent
    async def create_webhook(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        data: ClosedJSONBody[WebhookCreate],
        create: FromDishka[CreateWebhook],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[WebhookRead]:
        webhook = await create.execute(
            CreateWebhookCommand(
                actor=request.user,
                project_id=project_id,
                url=data.url,
                events=frozenset(data.events),
                secret=data.secret,
                active=data.active,
            )
        )
        return Response(
            WebhookRead.from_webhook(webhook, reveal_secret=True),
            status_code=201,
            headers={"Location": f"/api/v1/projects/{project_id}/webhooks/{webhook.id}"},
        )

    @get(
        "/",
        summary="The project's webhooks, oldest first (managers)",
        responses=problem_responses(400, 401, 403, 404),
    )
    async def list_webhooks(
        self, request: AuthedRequest, project_id: FromPath[UUID], list_webhooks: FromDishka[ListWebhooks]
    ) -> list[WebhookRead]:
        webhooks = await list_webhooks.execute(ListWebhooksQuery(actor=request.user, project_id=project_id))
        return [WebhookRead.from_webhook(webhook) for webhook in webhooks]

    @get(
        "/{webhook_id:uuid}",
        summary="Read a webhook (managers)",
        responses=problem_responses(400, 401, 403, 404),
    )
    async def get_webhook(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        webhook_id: FromPath[UUID],
        get_webhook: FromDishka[GetWebhook],
    ) -> WebhookRead:
        webhook = await get_webhook.execute(
            GetWebhookQuery(actor=request.user, project_id=project_id, webhook_id=webhook_id)
        )
        return WebhookRead.from_webhook(webhook)

    @patch(
        "/{webhook_id:uuid}",
        summary="Change a webhook's URL, events or secret, or pause and resume it (managers)",
        responses=problem_responses(400, 401, 403, 404, 413, 422),
    )
    async def update_webhook(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        webhook_id: FromPath[UUID],
        data: ClosedJSONBody[WebhookUpdate],
        update: FromDishka[UpdateWebhook],
    ) -> WebhookRead:
        events = unset_to_none(data.events)
        webhook = await update.execute(
            UpdateWebhookCommand(
                actor=request.user,
                project_id=project_id,
                webhook_id=webhook_id,
                url=unset_to_none(data.url),
                events=None if events is None else frozenset(events),
                secret=unset_to_none(data.secret),
                active=unset_to_none(data.active),
            )
        )
        return WebhookRead.from_webhook(webhook)

    @delete(
        "/{webhook_id:uuid}",
        summary="Delete a webhook and its deliveries (managers)",
        responses=problem_responses(400, 401, 403, 404),
    )
    async def delete_webhook(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        webhook_id: FromPath[UUID],
        delete_webhook: FromDishka[DeleteWebhook],
    ) -> None:
        await delete_webhook.execute(
            DeleteWebhookCommand(actor=request.user, project_id=project_id, webhook_id=webhook_id)
        )

    @get(
        "/{webhook_id:uuid}/deliveries",
        summary="A webhook's deliveries, newest first (managers)",
        response_headers=LINK_HEADER,
        responses=problem_responses(400, 401, 403, 404, 422),
    )
    async def list_deliveries(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        webhook_id: FromPath[UUID],
        list_deliveries: FromDishka[ListDeliveries],
        cursors: FromDishka[CursorCodec],
        status: FromQuery[DeliveryStatus | None] = None,
        offset: Offset = 0,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Response[DeliveryPage]:
        pager = Pager(request, cursors)
        page = await list_deliveries.execute(
            ListDeliveriesQuery(
                actor=request.user,
                project_id=project_id,
                webhook_id=webhook_id,
                status=status,
                page=pager.page_request(DELIVERY_SORT, DELIVERY_SORT_FIELDS, offset, limit, cursor),
            )
        )
        return pager.respond(DeliveryPage, [DeliveryRead.from_delivery(item) for item in page.items], page)

    @post(
        "/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/retry",
        status_code=200,
        summary="Send a delivery again now, with a fresh 24 hours of retries (managers)",
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    @idempotent
    async def retry_delivery(
        self,
        request: AuthedRequest,
        project_id: FromPath[UUID],
        webhook_id: FromPath[UUID],
        delivery_id: FromPath[UUID],
        retry: FromDishka[RetryDelivery],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[DeliveryRead]:
        delivery = await retry.execute(
            RetryDeliveryCommand(
                actor=request.user, project_id=project_id, webhook_id=webhook_id, delivery_id=delivery_id
            )
        )
        return Response(DeliveryRead.from_delivery(delivery))
