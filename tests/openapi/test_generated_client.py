"""A client generated from /schema/openapi.json by openapi-python-client works as generated.

The client is generated once per module, into a temporary folder, from the document the app
serves, then imported; the test talks to the app only through it (over ASGI, on the test's event
loop), as a user who generated a client would.
"""

import asyncio
import importlib
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from litestar import Litestar

from adapters.http.problems import problem_type
from domain.users import UserRole
from tests.conftest import http_client
from tests.http.conftest import register

BIN = Path(sys.executable).parent
PACKAGE = "taskboard_client"


@pytest.fixture(scope="module")
async def generated(module_app: Litestar, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Path]:
    folder = tmp_path_factory.mktemp("client")
    async with http_client(module_app) as api:
        (folder / "openapi.json").write_bytes((await api.get("/schema/openapi.json")).content)
    # No formatting afterwards: what the generator writes is what is tested.
    (folder / "config.yaml").write_text("post_hooks: []\n")
    generator = await asyncio.create_subprocess_exec(
        BIN / "openapi-python-client",
        *("generate", "--path", "openapi.json", "--meta", "none", "--config", "config.yaml"),
        cwd=folder,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(generator.communicate(), timeout=120))[0].decode()
    assert generator.returncode == 0, output
    # The generator warns about every part of the document it cannot turn into types.
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(folder))
    yield folder
    sys.path.remove(str(folder))
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


class Generated:
    """The generated package's modules by short name: `client.api("tasks.create_task")`."""

    def api(self, name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{name}")

    @property
    def models(self) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.models")

    @property
    def package(self) -> ModuleType:
        return importlib.import_module(PACKAGE)


def asgi(app: Litestar) -> dict[str, Any]:
    """The generated client's httpx arguments for talking to the app in process."""
    return {"transport": httpx.ASGITransport(app=app)}  # type: ignore[arg-type]  # Litestar's ASGI types


async def test_a_generated_client_tracks_work_unmodified(generated: Path, app: Litestar) -> None:
    client = Generated()
    models = client.models
    _, admin_email, admin_password = await register(app, UserRole.ADMIN)
    anonymous = client.package.Client(base_url="http://testserver", httpx_args=asgi(app))

    token = await client.api("auth.issue_token").asyncio(
        client=anonymous, body=models.TokenRequest(email=admin_email, password=admin_password)
    )
    assert isinstance(token, models.TokenResponse)
    signed_in = client.package.AuthenticatedClient(
        base_url="http://testserver", token=token.access_token, httpx_args=asgi(app)
    )

    project = await client.api("projects.create_project").asyncio(
        client=signed_in, body=models.ProjectCreate(key="OPS", name="Operations")
    )
    bob = await client.api("users.register").asyncio(
        client=signed_in,
        body=models.UserCreate(email="bob@example.com", full_name="Bob Builder", password="bob-likes-bricks"),
    )
    member = await client.api("projects.set_member").asyncio(
        project.id, bob.id, client=signed_in, body=models.MemberSet(role=models.MemberRole.CONTRIBUTOR)
    )
    tag = await client.api("projects.create_tag").asyncio(
        project.id, client=signed_in, body=models.TagCreate(name="security", color="#d9534f")
    )
    assert (project.key, member.role, tag.name) == ("OPS", models.MemberRole.CONTRIBUTOR, "security")

    create_task = client.api("tasks.create_task")
    created = await create_task.asyncio_detailed(
        client=signed_in,
        body=models.TaskCreate(
            project_id=project.id,
            title="Rotate the TLS certificates",
            priority=models.Priority.HIGH,
            assignee_id=bob.id,
            due_date=date(2026, 12, 31),
            tag_ids=[tag.id],
        ),
    )
    task = created.parsed
    assert created.status_code == 201
    assert isinstance(task, models.TaskRead)
    assert (task.key, task.assignee.full_name, task.due_date) == ("OPS-1", "Bob Builder", date(2026, 12, 31))

    update_task = client.api("tasks.update_task")
    started = await update_task.asyncio_detailed(
        task.id,
        client=signed_in,
        body=models.TaskUpdate(status=models.TaskStatus.IN_PROGRESS),
        if_match=created.headers["ETag"],
    )
    assert started.status_code == 200
    assert (started.parsed.status, started.parsed.version) == (models.TaskStatus.IN_PROGRESS, 2)
    assert started.headers["ETag"] == '"2"'
    stale = await update_task.asyncio_detailed(
        task.id, client=signed_in, body=models.TaskUpdate(title="Too late"), if_match=created.headers["ETag"]
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Problem)
    assert stale.parsed.type_ == problem_type(412)

    comment = await client.api("comments.add_comment").asyncio(
        task.id, client=signed_in, body=models.CommentCreate(body="Staging done; production next.")
    )
    assert (comment.task_id, comment.body) == (task.id, "Staging done; production next.")
    unassigned = await create_task.asyncio(
        client=signed_in,
        body=models.TaskCreate(
            project_id=project.id, title="Renew the domain", priority=models.Priority.URGENT, tag_ids=[tag.id]
        ),
    )
    assert unassigned.assignee is None

    list_tasks = client.api("tasks.list_tasks")
    filters: dict[str, Any] = {
        "priority": [models.Priority.HIGH, models.Priority.URGENT],
        "tag": ["Security"],
        "sort": "-priority,due_date",
    }
    first = await list_tasks.asyncio(client=signed_in, limit=1, **filters)
    assert (first.total, [item.key for item in first.items], first.offset) == (2, ["OPS-2"], 0)
    second = await list_tasks.asyncio(client=signed_in, limit=1, cursor=first.next_cursor, **filters)
    assert ([item.key for item in second.items], second.offset, second.next_cursor) == (["OPS-1"], None, None)
    assert second.items[0].comment_count == 1
    assert [item.name for item in second.items[0].tags] == ["security"]


async def test_a_generated_client_reads_problems_as_typed_errors(generated: Path, app: Litestar) -> None:
    client = Generated()
    models = client.models
    _, email, password = await register(app, UserRole.ADMIN)
    anonymous = client.package.Client(base_url="http://testserver", httpx_args=asgi(app))
    token = await client.api("auth.issue_token").asyncio(
        client=anonymous, body=models.TokenRequest(email=email, password=password)
    )
    signed_in = client.package.AuthenticatedClient(
        base_url="http://testserver", token=token.access_token, httpx_args=asgi(app)
    )

    missing = await client.api("tasks.get_task").asyncio_detailed("NOPE-1", client=signed_in)
    invalid = await client.api("projects.create_project").asyncio_detailed(
        client=signed_in, body=models.ProjectCreate(key="1", name=" ")
    )
    refused = await client.api("auth.issue_token").asyncio_detailed(
        client=anonymous, body=models.TokenRequest(email=email, password="not the password")
    )

    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Problem)
    assert (missing.parsed.type_, missing.parsed.status) == (problem_type(404), 404)
    assert invalid.status_code == 422
    assert isinstance(invalid.parsed, models.Problem)
    assert invalid.parsed.type_ == problem_type(422)
    assert {(error.field, error.source) for error in invalid.parsed.errors} == {
        ("key", models.Source.BODY),
        ("name", models.Source.BODY),
    }
    assert isinstance(refused.parsed, models.Problem)
    assert refused.parsed.status == 401
