"""Helpers for the project, tag, task and comment tests: a project with one user in each role.

The tests go through the HTTP API, as a client would. What they start from (accounts, the team's
project and memberships) is made through the application's use cases in the app's own container,
which is quicker than HTTP and proves nothing less: every route has HTTP tests of its own.
"""

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
from litestar import Litestar

from adapters.http.schemas.projects import ProjectRead
from application.projects.create_project import CreateProject, CreateProjectCommand
from application.projects.set_member import SetMember, SetMemberCommand
from domain.projects import MemberRole
from domain.users import Actor, UserRole
from tests.factories_work import unique_project_key
from tests.http.conftest import Account, assert_problem, container_of, new_account

PROJECTS = "/api/v1/projects"
TASKS = "/api/v1/tasks"
COMMENTS = "/api/v1/comments"


def if_match(account: Account, version: int) -> dict[str, str]:
    return {**account.headers, "If-Match": f'"{version}"'}


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def same_problem(first: httpx.Response, second: httpx.Response, status: int) -> None:
    """Both responses are the same problem, apart from the path each asked about."""
    one, two = assert_problem(first, status), assert_problem(second, status)
    assert one | {"instance": ""} == two | {"instance": ""}
    assert first.headers["content-type"] == second.headers["content-type"]


async def full_name_of(api: httpx.AsyncClient, account: Account) -> str:
    response = await api.get("/api/v1/users/me", headers=account.headers)
    assert response.status_code == 200, response.text
    name: str = response.json()["full_name"]
    return name


async def create_project(
    api: httpx.AsyncClient, owner: Account, *, key: str | None = None, **fields: Any
) -> dict[str, Any]:
    body = {"key": key or unique_project_key(), "name": "Operations", **fields}
    response = await api.post(PROJECTS, json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    project: dict[str, Any] = response.json()
    return project


async def set_member(
    api: httpx.AsyncClient, manager: Account, project_id: str, user: Account, role: str
) -> dict[str, Any]:
    response = await api.put(
        f"{PROJECTS}/{project_id}/members/{user.id}", json={"role": role}, headers=manager.headers
    )
    assert response.status_code == 200, response.text
    member: dict[str, Any] = response.json()
    return member


async def create_tag(
    api: httpx.AsyncClient, account: Account, project_id: str, name: str, color: str = "#808080"
) -> dict[str, Any]:
    response = await api.post(
        f"{PROJECTS}/{project_id}/tags", json={"name": name, "color": color}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    tag: dict[str, Any] = response.json()
    return tag


async def create_task(
    api: httpx.AsyncClient,
    account: Account,
    project_id: str,
    title: str = "Rotate the certificates",
    **fields: Any,
) -> dict[str, Any]:
    body = {"project_id": project_id, "title": title, **fields}
    response = await api.post(TASKS, json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def read_task(api: httpx.AsyncClient, account: Account, task_ref: str, **params: Any) -> dict[str, Any]:
    response = await api.get(f"{TASKS}/{task_ref}", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    task: dict[str, Any] = response.json()
    return task


async def list_tasks(api: httpx.AsyncClient, account: Account, params: Any = None) -> dict[str, Any]:
    """One page of GET /tasks; `params` may repeat a name: [("status", "todo"), ("status", "done")]."""
    response = await api.get(TASKS, params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def add_comment(
    api: httpx.AsyncClient, account: Account, task_id: str, body: str = "Looks good to me."
) -> dict[str, Any]:
    response = await api.post(f"{TASKS}/{task_id}/comments", json={"body": body}, headers=account.headers)
    assert response.status_code == 201, response.text
    comment: dict[str, Any] = response.json()
    return comment


async def create_fifty_tasks_at_once(api: httpx.AsyncClient, team: "Team") -> list[httpx.Response]:
    """Fifty simultaneous POST /tasks in the team's project, by three writers; all must be 201."""
    writers = [team.manager, team.contributor, team.admin]
    responses = await asyncio.gather(
        *(
            api.post(
                TASKS,
                json={"project_id": team.project_id, "title": f"Task {n}"},
                headers=writers[n % 3].headers,
            )
            for n in range(50)
        )
    )
    assert [response.status_code for response in responses] == [201] * 50, [
        response.text for response in responses if response.status_code != 201
    ]
    return responses


@dataclass(frozen=True, slots=True)
class Team:
    """A project its creator manages, with a contributor and a viewer; plus an outsider and an admin."""

    project: dict[str, Any]
    manager: Account
    contributor: Account
    viewer: Account
    outsider: Account
    admin: Account

    @property
    def project_id(self) -> str:
        project_id: str = self.project["id"]
        return project_id

    @property
    def url(self) -> str:
        return f"{PROJECTS}/{self.project_id}"


async def make_team(app: Litestar, api: httpx.AsyncClient, key: str = "OPS") -> Team:
    manager, contributor, viewer, outsider = [await new_account(app, api) for _ in range(4)]
    admin = await new_account(app, api, UserRole.ADMIN)
    manager_actor = Actor(id=manager.id, role=UserRole.MEMBER)
    async with container_of(app)() as request_container:
        created = await (await request_container.get(CreateProject)).execute(
            CreateProjectCommand(actor=manager_actor, key=key, name="Operations")
        )
    for account, role in ((contributor, MemberRole.CONTRIBUTOR), (viewer, MemberRole.VIEWER)):
        async with container_of(app)() as request_container:
            await (await request_container.get(SetMember)).execute(
                SetMemberCommand(actor=manager_actor, project_id=created.id, user_id=account.id, role=role)
            )
    project = msgspec.to_builtins(ProjectRead.from_project(created))
    return Team(
        project=project,
        manager=manager,
        contributor=contributor,
        viewer=viewer,
        outsider=outsider,
        admin=admin,
    )
