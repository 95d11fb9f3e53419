"""The README's curl session, run as written against a real server process."""

import asyncio
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from adapters.persistence.sqlalchemy import migrations
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _readme_block(heading: str) -> str:
    """The first shell block after a heading of the README."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split(heading, 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, f"the README has no shell block under {heading!r}"
    return match.group(1)


def _json_documents(text: str) -> list[Any]:
    decoder, documents, position = json.JSONDecoder(), [], 0
    while position < len(text):
        document, position = decoder.raw_decode(text, position)
        documents.append(document)
        while position < len(text) and text[position].isspace():
            position += 1
    return documents


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    port = free_port()
    env = {
        **os.environ,
        "TASKBOARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'readme.db'}",
        "TASKBOARD_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "TASKBOARD_PORT": str(port),
        "TASKBOARD_LOG_LEVEL": "WARNING",
    }
    # Migrated in process (in a thread: asyncio.run needs one without a running loop); only the
    # server under test gets a process of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, migrations.upgrade(env["TASKBOARD_DATABASE_URL"])).result()
    process = subprocess.Popen([BIN / "taskboard", "serve"], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready") as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield port, env
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_readme_curl_sessions_work_as_written(server: tuple[int, dict[str, str]]) -> None:
    port, env = server
    script = (
        _readme_block("## Try it with curl")
        + _readme_block("## Track work with curl")
        + _readme_block("## Every other route, with curl")
        + _readme_block("## History, bulk changes and watching, with curl")
    )
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.replace("127.0.0.1:8000", f"127.0.0.1:{port}")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    documents = _json_documents(result.stdout[result.stdout.index("{") :])
    created, listing, member, started, comment, detail, work = documents[:7]
    assert created["email"] == "bob@example.com"
    assert [user["email"] for user in listing["items"]] == ["bob@example.com", "admin@example.com"]
    assert listing["total"] == 2
    assert (member["email"], member["role"]) == ("bob@example.com", "contributor")
    assert (started["key"], started["status"], started["version"]) == ("OPS-1", "in_progress", 2)
    assert comment["body"] == "Staging done; production next."
    assert detail["assignee"]["full_name"] == "Bob Builder"
    assert [tag["name"] for tag in detail["tags"]] == ["security"]
    assert [c["body"] for c in detail["latest_comments"]] == [comment["body"]]
    assert [task["key"] for task in work["items"]] == ["OPS-1"]
    assert work["items"][0]["comment_count"] == 1

    (
        projects, project, described, members, tags, recoloured,
        edited, comment_deleted, task_deleted, task_restored, tag_deleted,
        bob_refused, unassigned, bob_removed,
        project_deleted, hidden_task, project_restored,
        bob, renamed, bob_deleted, bob_restored, live, ready,
        history, activity, closed, each_alone, unwatched, rewatched, watched,
    ) = documents[7:]  # fmt: skip
    assert [p["key"] for p in projects["items"]] == ["OPS"]
    assert project["key"] == "OPS"
    assert (described["description"], described["version"]) == ("Servers, certificates and on-call", 2)
    assert [m["role"] for m in members] == ["manager", "contributor"]
    assert [t["name"] for t in tags] == ["security"]
    assert recoloured["color"] == "#f0ad4e"
    assert edited["body"] == "All done."
    assert [comment_deleted, task_deleted, tag_deleted] == [204, 204, 204]
    assert (task_restored["is_deleted"], task_restored["tags"]) == (
        False,
        [{**detail["tags"][0], "color": "#f0ad4e"}],
    )
    assert (bob_refused["status"], unassigned["assignee"], bob_removed) == (409, None, 204)
    assert (project_deleted, hidden_task["status"], project_restored["is_deleted"]) == (204, 404, False)
    assert (bob["email"], renamed["full_name"]) == ("bob@example.com", "Robert Builder")
    assert (bob_deleted, bob_restored["is_deleted"]) == (204, False)
    assert (live["status"], ready["status"]) == ("ok", "ok")

    # The last change of OPS-1 was unassigning Bob; before it, its delete and restore, and the
    # tag deleted off it (the project's delete and restore changed no task).
    assert [entry["action"] for entry in history["items"]] == [
        "updated",
        "tags_changed",
        "restored",
        "deleted",
        "comment_deleted",
    ]
    assert history["items"][0]["changes"] == [
        {"field": "assignee", "from": {"id": bob["id"], "full_name": "Bob Builder"}, "to": None}
    ]
    assert history["items"][1]["changes"] == [{"field": "tags", "from": ["security"], "to": []}]
    assert [entry["action"] for entry in activity["items"]] == ["updated", "tags_changed", "updated"]
    assert {entry["actor"]["full_name"] for entry in activity["items"]} == {"Ada Admin"}
    assert [(r["status"], r["task"]["status"], r["task"]["priority"]) for r in closed["results"]] == [
        (200, "done", "high")
    ] * 3
    assert [r["status"] for r in each_alone["results"]] == [200, 404]
    assert each_alone["results"][1]["problem"]["status"] == 404
    assert (unwatched, rewatched) == (204, 204)
    assert sorted(task["key"] for task in watched["items"]) == ["OPS-1", "OPS-2", "OPS-3"]
    assert all(task["watching"] for task in watched["items"])
