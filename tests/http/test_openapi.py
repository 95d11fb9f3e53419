"""The OpenAPI document: what a client generated from it needs to know, and that it is true."""

import re
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from openapi_spec_validator import validate

from tests.http.conftest import PROBLEM_JSON

PUBLIC_OPERATIONS = {"POST /api/v1/auth/token", "GET /health/live", "GET /health/ready"}
ISSUE_OPERATIONS = PUBLIC_OPERATIONS | {
    "GET /api/v1/users/me",
    "GET /api/v1/users",
    "POST /api/v1/users",
    "GET /api/v1/users/{user_id}",
    "PATCH /api/v1/users/{user_id}",
    "DELETE /api/v1/users/{user_id}",
    "POST /api/v1/users/{user_id}/restore",
    # issue 3: projects, members, tags, tasks and comments
    "GET /api/v1/projects",
    "POST /api/v1/projects",
    "GET /api/v1/projects/{project_id}",
    "PATCH /api/v1/projects/{project_id}",
    "DELETE /api/v1/projects/{project_id}",
    "POST /api/v1/projects/{project_id}/restore",
    "GET /api/v1/projects/{project_id}/members",
    "PUT /api/v1/projects/{project_id}/members/{user_id}",
    "DELETE /api/v1/projects/{project_id}/members/{user_id}",
    "GET /api/v1/projects/{project_id}/tags",
    "POST /api/v1/projects/{project_id}/tags",
    "PATCH /api/v1/projects/{project_id}/tags/{tag_id}",
    "DELETE /api/v1/projects/{project_id}/tags/{tag_id}",
    "GET /api/v1/tasks",
    "POST /api/v1/tasks",
    "GET /api/v1/tasks/{task_id}",
    "PATCH /api/v1/tasks/{task_id}",
    "DELETE /api/v1/tasks/{task_id}",
    "POST /api/v1/tasks/{task_id}/restore",
    "GET /api/v1/tasks/{task_id}/comments",
    "POST /api/v1/tasks/{task_id}/comments",
    "PATCH /api/v1/comments/{comment_id}",
    "DELETE /api/v1/comments/{comment_id}",
    # issue 9: history, activity, bulk changes, watching
    "GET /api/v1/tasks/{task_ref}/history",
    "GET /api/v1/projects/{project_id}/activity",
    "POST /api/v1/tasks/bulk",
    "PUT /api/v1/tasks/{task_id}/watchers/me",
    "DELETE /api/v1/tasks/{task_id}/watchers/me",
    # issue 10: webhooks and their deliveries
    "POST /api/v1/projects/{project_id}/webhooks",
    "GET /api/v1/projects/{project_id}/webhooks",
    "GET /api/v1/projects/{project_id}/webhooks/{webhook_id}",
    "PATCH /api/v1/projects/{project_id}/webhooks/{webhook_id}",
    "DELETE /api/v1/projects/{project_id}/webhooks/{webhook_id}",
    "GET /api/v1/projects/{project_id}/webhooks/{webhook_id}/deliveries",
    "POST /api/v1/projects/{project_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture
async def document(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get("/schema/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        resolved: dict[str, Any] = document["components"]["schemas"][name]
        return resolved
    return schema


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)


def test_every_operation_is_named_after_its_handler_once(app: Litestar, document: dict[str, Any]) -> None:
    names = [operation["operationId"] for operation in operations(document).values()]

    assert len(names) == len(set(names))
    assert {"list_tasks", "get_task", "update_task", "issue_token", "add_comment"} <= set(names)


async def test_options_lists_every_documented_method_of_a_path(
    api: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    for path, item in document["paths"].items():
        documented = {method.upper() for method in item if method in HTTP_METHODS} | {"OPTIONS"}
        # Any id will do: OPTIONS answers before anything is looked up.
        url = re.sub(r"\{[a-z_]+\}", "01a23acc-c5a4-7b51-baa5-a8e150b17b6c", path)

        response = await api.options(url)

        assert response.status_code == 204, path
        assert set(response.headers["allow"].split(", ")) == documented, path


def test_response_headers_have_a_schema(document: dict[str, Any]) -> None:
    for name, operation in operations(document).items():
        for code, response in operation["responses"].items():
            for header, spec in response.get("headers", {}).items():
                assert spec.get("schema", {}).get("type") == "string", f"{name} {code} {header}"


def test_text_parameters_are_strings_never_null(document: dict[str, Any]) -> None:
    # Litestar reads `?q=null` and a header `If-Match: null` as the text "null": documenting `null`
    # would have clients send what the service refuses or misreads.
    for name, operation in operations(document).items():
        for parameter in operation.get("parameters", []):
            if parameter["name"] in {"q", "email", "cursor", "If-Match", "Idempotency-Key"}:
                assert parameter["schema"]["type"] == "string", f"{name} {parameter['name']}"
                assert "oneOf" not in parameter["schema"], f"{name} {parameter['name']}"


def test_every_problem_has_a_type(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]

    assert "type" in problem["required"]
    field_error = document["components"]["schemas"]["FieldError"]
    assert {"field", "message"} <= set(field_error["required"])
    assert document["components"]["schemas"]["Source"]["enum"] == [
        "body",
        "query",
        "path",
        "header",
        "cookie",
    ]


def test_issue_routes_are_documented(document: dict[str, Any]) -> None:
    assert set(operations(document)) == ISSUE_OPERATIONS


def test_every_route_the_app_serves_is_documented(app: Litestar, document: dict[str, Any]) -> None:
    served = {
        f"{method} {route.path_format}"
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if handler.resolve_include_in_schema()
        for method in handler.http_methods
    }

    assert served == set(operations(document))


def test_every_error_response_is_a_problem(document: dict[str, Any]) -> None:
    for name, operation in operations(document).items():
        errors = {code: response for code, response in operation["responses"].items() if int(code) >= 400}
        assert errors, f"{name} documents no errors"
        for code, response in errors.items():
            assert set(response.get("content", {})) == {PROBLEM_JSON}, f"{name} {code}"
            schema = resolve(document, response["content"][PROBLEM_JSON]["schema"])
            assert {"status", "title", "detail", "instance"} <= set(schema["required"]), f"{name} {code}"
            assert "errors" in schema["properties"], f"{name} {code}"


def test_every_route_documents_unexpected_failure(document: dict[str, Any]) -> None:
    for name, operation in operations(document).items():
        assert "500" in operation["responses"], name


def test_every_route_but_liveness_documents_503_for_an_unavailable_database(document: dict[str, Any]) -> None:
    for name, operation in operations(document).items():
        assert ("503" in operation["responses"]) == (name != "GET /health/live"), name


def test_every_protected_route_documents_401(document: dict[str, Any]) -> None:
    for name, operation in operations(document).items():
        if name not in PUBLIC_OPERATIONS:
            assert "401" in operation["responses"], name


@pytest.mark.parametrize(
    ("name", "statuses"),
    [
        ("POST /api/v1/auth/token", {"200", "401", "413", "422"}),
        ("POST /api/v1/users", {"201", "403", "409", "413", "422"}),
        ("GET /api/v1/users", {"200", "403", "422"}),
        ("GET /api/v1/users/{user_id}", {"200", "404"}),
        ("PATCH /api/v1/users/{user_id}", {"200", "403", "404", "409", "412", "413", "422"}),
        ("DELETE /api/v1/users/{user_id}", {"204", "403", "404", "409", "412", "422"}),
        ("POST /api/v1/users/{user_id}/restore", {"200", "403", "404", "409"}),
        ("GET /health/ready", {"200", "503"}),
        ("POST /api/v1/projects", {"201", "409", "413", "422"}),
        ("GET /api/v1/projects", {"200", "403", "422"}),
        ("GET /api/v1/projects/{project_id}", {"200", "404", "422"}),
        ("PATCH /api/v1/projects/{project_id}", {"200", "403", "404", "412", "413", "422"}),
        ("DELETE /api/v1/projects/{project_id}", {"204", "403", "404", "412", "422"}),
        ("POST /api/v1/projects/{project_id}/restore", {"200", "403", "404", "409"}),
        ("GET /api/v1/projects/{project_id}/members", {"200", "404"}),
        ("PUT /api/v1/projects/{project_id}/members/{user_id}", {"200", "403", "404", "409", "422"}),
        ("DELETE /api/v1/projects/{project_id}/members/{user_id}", {"204", "403", "404", "409"}),
        ("GET /api/v1/projects/{project_id}/tags", {"200", "404"}),
        ("POST /api/v1/projects/{project_id}/tags", {"201", "403", "404", "409", "422"}),
        ("PATCH /api/v1/projects/{project_id}/tags/{tag_id}", {"200", "403", "404", "409", "422"}),
        ("DELETE /api/v1/projects/{project_id}/tags/{tag_id}", {"204", "403", "404"}),
        ("POST /api/v1/tasks", {"201", "403", "404", "413", "422"}),
        ("GET /api/v1/tasks", {"200", "403", "422"}),
        ("GET /api/v1/tasks/{task_id}", {"200", "404", "422"}),
        ("PATCH /api/v1/tasks/{task_id}", {"200", "403", "404", "409", "412", "413", "422"}),
        ("DELETE /api/v1/tasks/{task_id}", {"204", "403", "404", "409", "412", "422"}),
        ("POST /api/v1/tasks/{task_id}/restore", {"200", "403", "404"}),
        ("GET /api/v1/tasks/{task_id}/comments", {"200", "404", "422"}),
        ("POST /api/v1/tasks/{task_id}/comments", {"201", "403", "404", "413", "422"}),
        ("PATCH /api/v1/comments/{comment_id}", {"200", "403", "404", "409", "412", "413", "422"}),
        ("DELETE /api/v1/comments/{comment_id}", {"204", "403", "404", "409", "412", "422"}),
        ("GET /api/v1/tasks/{task_ref}/history", {"200", "400", "404", "422"}),
        ("GET /api/v1/projects/{project_id}/activity", {"200", "400", "404", "422"}),
        ("POST /api/v1/tasks/bulk", {"200", "403", "404", "409", "413", "422"}),
        ("PUT /api/v1/tasks/{task_id}/watchers/me", {"204", "404"}),
        ("DELETE /api/v1/tasks/{task_id}/watchers/me", {"204", "404"}),
        ("POST /api/v1/projects/{project_id}/webhooks", {"201", "403", "404", "413", "422"}),
        ("GET /api/v1/projects/{project_id}/webhooks", {"200", "403", "404"}),
        ("GET /api/v1/projects/{project_id}/webhooks/{webhook_id}", {"200", "403", "404"}),
        ("PATCH /api/v1/projects/{project_id}/webhooks/{webhook_id}", {"200", "403", "404", "413", "422"}),
        ("DELETE /api/v1/projects/{project_id}/webhooks/{webhook_id}", {"204", "403", "404"}),
        ("GET /api/v1/projects/{project_id}/webhooks/{webhook_id}/deliveries", {"200", "403", "404", "422"}),
        (
            "POST /api/v1/projects/{project_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
            {"200", "403", "404", "409"},
        ),
    ],
)
def test_routes_document_the_statuses_they_give(
    document: dict[str, Any], name: str, statuses: set[str]
) -> None:
    assert statuses <= set(operations(document)[name]["responses"])


def test_bearer_scheme_guards_every_route_but_sign_in_and_health(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    bearer = [
        name
        for name, scheme in schemes.items()
        if scheme["type"] == "http" and scheme["scheme"].lower() == "bearer"
    ]
    assert len(bearer) == 1
    default = document.get("security", [])

    for name, operation in operations(document).items():
        requirements = operation.get("security", default)
        # `[]` or `[{}]`: no credentials needed.
        public = all(requirement == {} for requirement in requirements)
        if name in PUBLIC_OPERATIONS:
            assert public, name
        else:
            assert requirements == [{bearer[0]: []}], name


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("POST /api/v1/auth/token", "TokenRequest"),
        ("POST /api/v1/users", "UserCreate"),
        ("PATCH /api/v1/users/{user_id}", "UserUpdate"),
        ("POST /api/v1/projects", "ProjectCreate"),
        ("PATCH /api/v1/projects/{project_id}", "ProjectUpdate"),
        ("PUT /api/v1/projects/{project_id}/members/{user_id}", "MemberSet"),
        ("POST /api/v1/projects/{project_id}/tags", "TagCreate"),
        ("PATCH /api/v1/projects/{project_id}/tags/{tag_id}", "TagUpdate"),
        ("POST /api/v1/tasks", "TaskCreate"),
        ("PATCH /api/v1/tasks/{task_id}", "TaskUpdate"),
        ("POST /api/v1/tasks/{task_id}/comments", "CommentCreate"),
        ("PATCH /api/v1/comments/{comment_id}", "CommentUpdate"),
        ("POST /api/v1/projects/{project_id}/webhooks", "WebhookCreate"),
        ("PATCH /api/v1/projects/{project_id}/webhooks/{webhook_id}", "WebhookUpdate"),
    ],
)
def test_request_bodies_are_documented_as_closed_objects(
    document: dict[str, Any], name: str, schema: str
) -> None:
    body = operations(document)[name]["requestBody"]
    documented = resolve(document, body["content"]["application/json"]["schema"])

    assert documented is document["components"]["schemas"][schema]
    # The service refuses unknown fields; the document must say so, or clients learn it by 422.
    assert documented["additionalProperties"] is False


def test_user_bodies_never_document_a_password_hash(document: dict[str, Any]) -> None:
    for name, schema in document["components"]["schemas"].items():
        assert "password_hash" not in schema.get("properties", {}), name
    read = document["components"]["schemas"]["UserRead"]
    assert "password" not in read["properties"]


def test_if_match_and_etag_are_documented(document: dict[str, Any]) -> None:
    ops = operations(document)
    for name in (
        "PATCH /api/v1/users/{user_id}",
        "DELETE /api/v1/users/{user_id}",
        "PATCH /api/v1/projects/{project_id}",
        "DELETE /api/v1/projects/{project_id}",
        "PATCH /api/v1/tasks/{task_id}",
        "DELETE /api/v1/tasks/{task_id}",
        "PATCH /api/v1/comments/{comment_id}",
        "DELETE /api/v1/comments/{comment_id}",
    ):
        headers = {p["name"] for p in ops[name].get("parameters", []) if p["in"] == "header"}
        assert "If-Match" in headers, name
    for name in (
        "GET /api/v1/users/me",
        "POST /api/v1/users",
        "GET /api/v1/users/{user_id}",
        "PATCH /api/v1/users/{user_id}",
        "POST /api/v1/users/{user_id}/restore",
        "POST /api/v1/projects",
        "GET /api/v1/projects/{project_id}",
        "PATCH /api/v1/projects/{project_id}",
        "POST /api/v1/projects/{project_id}/restore",
        "POST /api/v1/tasks",
        "GET /api/v1/tasks/{task_id}",
        "PATCH /api/v1/tasks/{task_id}",
        "POST /api/v1/tasks/{task_id}/restore",
        "POST /api/v1/tasks/{task_id}/comments",
        "PATCH /api/v1/comments/{comment_id}",
    ):
        success = next(code for code in ops[name]["responses"] if code.startswith("2"))
        assert "ETag" in ops[name]["responses"][success].get("headers", {}), name


def test_list_parameters_document_their_limits(document: dict[str, Any]) -> None:
    parameters = {p["name"]: p for p in operations(document)["GET /api/v1/users"]["parameters"]}

    assert {"role", "is_active", "email", "sort", "offset", "limit"} <= set(parameters)
    assert parameters["limit"]["schema"]["maximum"] == 100
    assert parameters["limit"]["schema"]["default"] == 20
    # Exactly, as an integer: a float cannot hold 2^63 - 1, and 2^63 is refused.
    assert parameters["offset"]["schema"]["maximum"] == 2**63 - 1
    assert isinstance(parameters["offset"]["schema"]["maximum"], int)


def test_task_list_parameters_document_their_limits(document: dict[str, Any]) -> None:
    parameters = {p["name"]: p for p in operations(document)["GET /api/v1/tasks"]["parameters"]}

    assert {
        "project_id",
        "status",
        "priority",
        "assignee_id",
        "assignee",
        "reporter_id",
        "tag",
        "due_before",
        "due_after",
        "q",
        "include_deleted",
        "sort",
        "offset",
        "limit",
    } <= set(parameters)
    assert parameters["limit"]["schema"]["maximum"] == 100
    assert parameters["limit"]["schema"]["default"] == 20


LIST_OPERATIONS = [
    "GET /api/v1/users",
    "GET /api/v1/projects",
    "GET /api/v1/tasks",
    "GET /api/v1/tasks/{task_id}/comments",
]


@pytest.mark.parametrize("name", LIST_OPERATIONS)
def test_lists_document_cursor_paging(document: dict[str, Any], name: str) -> None:
    operation = operations(document)[name]
    parameters = {p["name"]: p for p in operation["parameters"]}
    success = operation["responses"]["200"]
    page = resolve(document, success["content"]["application/json"]["schema"])

    assert {"offset", "limit", "cursor"} <= set(parameters)
    assert parameters["cursor"]["required"] is False
    assert "offset" in parameters["cursor"]["description"]
    assert "Link" in success["headers"]
    assert {"items", "total", "offset", "limit", "next_cursor"} <= set(page["required"])
    for nullable in ("next_cursor", "offset"):
        kinds = {option.get("type") for option in page["properties"][nullable]["oneOf"]}
        assert "null" in kinds, nullable
    assert "400" in operation["responses"]


def test_every_post_that_changes_data_documents_idempotency_key_and_its_refusals(
    document: dict[str, Any],
) -> None:
    posts = {name: op for name, op in operations(document).items() if name.startswith("POST ")}
    for name, op in posts.items():
        headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        if (
            name == "POST /api/v1/auth/token"
        ):  # a sign-in has nothing to repeat, and its token no place to be kept
            assert "Idempotency-Key" not in headers
            assert "429" in op["responses"]
            continue
        assert "Idempotency-Key" in headers, name
        assert {"409", "422"} <= op["responses"].keys(), name
    assert len(posts) == 12


def test_every_change_documents_the_write_limit_and_no_read_does(document: dict[str, Any]) -> None:
    for name, op in operations(document).items():
        method = name.split(" ", 1)[0]
        changes = method in {"POST", "PUT", "PATCH", "DELETE"}
        assert ("429" in op["responses"]) is changes, name
        if changes:
            assert "Retry-After" in resolve(document, op["responses"]["429"])["description"], name


def test_a_bulk_change_documents_its_body_and_a_result_per_task(document: dict[str, Any]) -> None:
    operation = operations(document)["POST /api/v1/tasks/bulk"]
    body = resolve(document, operation["requestBody"]["content"]["application/json"]["schema"])
    assert set(body["required"]) == {"task_ids", "changes", "atomic"}
    assert (body["properties"]["task_ids"]["minItems"], body["properties"]["task_ids"]["maxItems"]) == (
        1,
        100,
    )
    changes = resolve(document, body["properties"]["changes"])
    assert set(changes["properties"]) == {
        "status",
        "priority",
        "assignee_id",
        "due_date",
        "add_tag_ids",
        "remove_tag_ids",
    }
    answer = resolve(document, operation["responses"]["200"]["content"]["application/json"]["schema"])
    item = resolve(document, answer["properties"]["results"]["items"])
    assert set(item["required"]) == {"task_id", "status"}
    assert sorted(item["properties"]["status"]["enum"]) == [200, 403, 404, 409, 422]
    problem = item["properties"]["problem"]
    assert "Problem" in str(problem), problem


def test_history_entries_and_the_activity_filters_are_documented(document: dict[str, Any]) -> None:
    operation = operations(document)["GET /api/v1/projects/{project_id}/activity"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert {"actor_id", "action", "since", "offset", "limit", "cursor"} <= parameters.keys()
    assert "HistoryAction" in str(parameters["action"]["schema"])
    assert "tags_changed" in document["components"]["schemas"]["HistoryAction"]["enum"]
    page = resolve(document, operation["responses"]["200"]["content"]["application/json"]["schema"])
    entry = resolve(document, page["properties"]["items"]["items"])
    assert set(entry["required"]) == {"id", "task_id", "actor", "at", "action", "changes"}
    change = resolve(document, entry["properties"]["changes"]["items"])
    assert set(change["properties"]) == {"field", "from", "to"}
