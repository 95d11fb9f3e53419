"""`taskboard worker`: the dispatcher alone in a process of its own, delivering what the API recorded."""

import asyncio
import os
import signal
import sys
from pathlib import Path

from adapters.composition import make_container
from adapters.persistence.sqlalchemy import migrations
from adapters.settings import Settings
from application.projects.create_project import CreateProject, CreateProjectCommand
from application.tasks.create_task import CreateTask, CreateTaskCommand
from application.users.register_user import RegisterUser, RegisterUserCommand
from application.webhooks.create_webhook import CreateWebhook, CreateWebhookCommand
from domain.events import EventType
from domain.users import Actor, UserRole
from tests.conftest import FastHashingProvider
from tests.webhooks.receiver import running_receiver

BIN = Path(sys.executable).parent


async def record_a_task_for(settings: Settings, url: str) -> str:
    """A user, their project, a webhook to `url` and one task, stored as the API would."""
    container = make_container(settings, FastHashingProvider())
    try:
        async with container() as request:
            user = await (await request.get(RegisterUser)).execute(
                RegisterUserCommand(
                    Actor.operator(), "ada@example.com", "Ada", "long enough password", UserRole.MEMBER
                )
            )
        actor = user.as_actor()
        async with container() as request:
            project = await (await request.get(CreateProject)).execute(
                CreateProjectCommand(actor, "OPS", "Ops")
            )
        async with container() as request:
            await (await request.get(CreateWebhook)).execute(
                CreateWebhookCommand(actor, project.id, url, frozenset({EventType.TASK_CREATED}))
            )
        async with container() as request:
            summary = await (await request.get(CreateTask)).execute(
                CreateTaskCommand(actor, project.id, "Ship it")
            )
        return str(summary.id)
    finally:
        await container.close()


async def test_a_worker_delivers_what_was_recorded_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'taskboard.db'}"
    await migrations.upgrade(url)
    settings = Settings(database_url=url, secret_key="k" * 40)
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("TASKBOARD_")},
        "TASKBOARD_DATABASE_URL": url,
        "TASKBOARD_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "TASKBOARD_WEBHOOK_POLL_INTERVAL_MS": "50",
        "TASKBOARD_LOG_LEVEL": "INFO",
    }
    log = tmp_path / "worker.log"
    async with running_receiver() as receiver:
        task_id = await record_a_task_for(settings, receiver.url)
        with log.open("wb") as log_file:
            worker = await asyncio.create_subprocess_exec(
                BIN / "taskboard", "worker", env=env, stderr=log_file
            )
        try:
            [received] = await receiver.wait_for(1)
            worker.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                assert await worker.wait() == 0, log.read_text()
        finally:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()

    assert received.event["data"]["task"]["id"] == task_id
    printed = log.read_text()
    assert "worker delivering webhooks from" in printed
    assert "delivered" in printed
