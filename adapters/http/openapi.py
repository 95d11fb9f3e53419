"""What a client learns about the routes: the names of the document's operations, closed objects,
OPTIONS answers that list the same methods as the document, and the 429 of every write."""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Litestar, Response
from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import Schema
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_204_NO_CONTENT, HTTP_429_TOO_MANY_REQUESTS
from litestar.types import Method, Scope
from litestar.typing import FieldDefinition

from adapters.http.problems import problem_responses


def answer_options_with_every_method(app: Litestar) -> None:
    """Make the automatic OPTIONS answer of each path list all the methods the path has.

    Litestar registers a controller's handlers one at a time and makes the OPTIONS handler with the
    first, which then answers `Allow` with that first handler's methods only (`DELETE, OPTIONS` on a
    path that has GET and PATCH too). The routes are final once the app is built: each one's
    OPTIONS handler gets the function that answers with every method of its path. Paths that differ
    only in a parameter's type (`{task_id:str}`, `{task_id:uuid}`) are one path to a client.
    Nothing here runs per request but the OPTIONS answer itself.
    """
    routes = [route for route in app.routes if isinstance(route, HTTPRoute)]
    methods: defaultdict[str, set[Method]] = defaultdict(set)
    for route in routes:
        methods[route.path_format] |= route.methods
    for route in routes:
        handler: HTTPRouteHandler = route.route_handler_map["OPTIONS"][0]
        # Litestar's own decorator call: the handler keeps its options and takes this function.
        handler(_options_answer(", ".join(sorted(methods[route.path_format]))))


def document_write_limits(app: Litestar, limited: Callable[[str, str], bool]) -> None:
    """Add the 429 to the operations whose requests count against their caller's write limit
    (`limited(method, path)`), so that a client generated from the document knows it."""
    too_many = problem_responses(HTTP_429_TOO_MANY_REQUESTS)[HTTP_429_TOO_MANY_REQUESTS]
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if any(limited(method, route.path) for method in handler.http_methods):
                handler.responses = {**(handler.responses or {}), HTTP_429_TOO_MANY_REQUESTS: too_many}


def _options_answer(allow: str) -> Any:
    # Takes `scope` as the handler it replaces did: Litestar read that signature at registration.
    def options_handler(scope: Scope) -> Response[None]:
        return Response(content=None, status_code=HTTP_204_NO_CONTENT, headers={"Allow": allow})

    return options_handler


def operation_id(handler: HTTPRouteHandler, _method: Any, _path: Any) -> str:
    """Each operation is called by its handler's name (`list_tasks`, `update_task`), so a client
    generated from the document has methods named as the API reference names them."""
    return handler.handler_name


class ClosedStructSchemas(StructSchemaPlugin):
    """msgspec Structs documented as Litestar does, and as closed objects when they refuse unknown
    fields: a nested body object (a bulk change's `changes`) is refused with an unknown field as
    the top-level body is, and the document says so of each."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        return schema
