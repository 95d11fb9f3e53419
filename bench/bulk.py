"""How long a bulk change of 100 tasks takes on PostgreSQL, in process, through the whole app.

    .venv/bin/python -m bench.bulk [--runs 7]

Creates a database of its own on the server of TASKBOARD_TEST_POSTGRES_URL (as the tests do),
migrates it, stores a project with 100 tasks, then times POST /api/v1/tasks/bulk over the app's
ASGI interface: `--runs` times each of an atomic change (status and priority) and the same
without atomic (a savepoint per task), alternating between two sets of changes so that every run
changes every task. Prints the median and the spread; drops the database at the end.
"""

import argparse
import asyncio
import logging
import os
import secrets
import statistics
import time
from uuid import UUID

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from adapters.composition import create_app
from adapters.persistence.sqlalchemy import migrations
from adapters.settings import Environment, Settings
from application.ports import TokenIssuer
from application.projects.create_project import CreateProject, CreateProjectCommand
from application.tasks.create_task import CreateTask, CreateTaskCommand
from application.users.register_user import RegisterUser, RegisterUserCommand
from domain.users import Actor, UserRole

SERVER = os.environ.get("TASKBOARD_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
CHANGES = ({"status": "in_progress", "priority": "urgent"}, {"status": "todo", "priority": "low"})


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def main(runs: int) -> None:
    name = f"taskboard_bench_bulk_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(_dsn(SERVER))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    try:
        await migrations.upgrade(url)
        await _measure(url, runs)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _measure(url: str, runs: int) -> None:
    settings = Settings(
        database_url=url,
        secret_key=secrets.token_urlsafe(48),
        environment=Environment.TEST,
        sign_in_failures_per_account=None,
        sign_ins_per_address=None,
        writes_per_caller=None,
        # The request alone: no dispatcher routing the run's events on the same event loop meanwhile.
        webhook_in_process=False,
    )
    app = create_app(settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for hook in app.on_startup:
        await hook()  # type: ignore[call-arg]
    container = app.state.dishka_container
    try:
        async with container() as scope:
            user = await (await scope.get(RegisterUser)).execute(
                RegisterUserCommand(
                    actor=Actor.operator(),
                    email="bench-bulk@example.com",
                    full_name="Bench Bulk",
                    password=secrets.token_urlsafe(16),
                    role=UserRole.MEMBER,
                )
            )
        actor = user.as_actor()
        async with container() as scope:
            project = await (await scope.get(CreateProject)).execute(
                CreateProjectCommand(actor=actor, key="BULK", name="Bulk")
            )
        task_ids: list[UUID] = []
        for n in range(100):
            async with container() as scope:
                summary = await (await scope.get(CreateTask)).execute(
                    CreateTaskCommand(actor=actor, project_id=project.id, title=f"Task {n}")
                )
            task_ids.append(summary.id)
        token = (await container.get(TokenIssuer)).issue(actor, user.password_hash).access_token
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for atomic in (True, False):
                timings = []
                for run in range(runs + 1):  # the first warms the caches and is not counted
                    body = {
                        "task_ids": [str(i) for i in task_ids],
                        "changes": CHANGES[run % 2],
                        "atomic": atomic,
                    }
                    started = time.perf_counter()
                    response = await client.post("/api/v1/tasks/bulk", json=body, headers=headers)
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 200, response.text
                    assert {r["status"] for r in response.json()["results"]} == {200}
                    if run:
                        timings.append(elapsed)
                print(
                    f"atomic={str(atomic).lower():5}  100 tasks  p50 {statistics.median(timings):6.1f} ms"
                    f"  min {min(timings):6.1f}  max {max(timings):6.1f}  ({runs} runs)"
                )
    finally:
        for hook in app.on_shutdown:
            await hook()  # type: ignore[call-arg]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    asyncio.run(main(parser.parse_args().runs))
