"""Schemathesis against a served instance finds the OpenAPI document true on every operation.

Every check, all four phases (examples, coverage, fuzzing, stateful), a fixed seed and a bounded
number of examples per operation, signed in as an administrator, against uvicorn serving the app
on a SQLite file of its own (tests/openapi/served.py). The refusals no schema can state are
listed, each with the problem it gets, in tests/openapi/fuzz_hooks.py.
"""

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from adapters.persistence.sqlalchemy import migrations
from tests.servers import free_port, wait_until_live

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOOKS = Path(__file__).with_name("fuzz_hooks.py")
ADMIN_EMAIL = "fuzz-admin@example.com"
ADMIN_PASSWORD = "a password for the fuzzer"
# Enough for every phase to reach every operation, within a minute on two busy cores.
MAX_EXAMPLES = 5


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a server of this module's own, with one administrator and no other data."""
    folder = tmp_path_factory.mktemp("fuzzed")
    port = free_port()
    env = {
        **os.environ,
        "TASKBOARD_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'fuzzed.db'}",
        "TASKBOARD_SECRET_KEY_FILE": str(folder / "secret_key"),
        "TASKBOARD_ADMIN_EMAIL": ADMIN_EMAIL,
        "TASKBOARD_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TASKBOARD_LOG_LEVEL": "WARNING",
        # The fuzzer makes thousands of changes a minute, as one caller.
        "TASKBOARD_WRITES_PER_CALLER": "off",
        "TASKBOARD_SIGN_INS_PER_ADDRESS": "off",
        "TASKBOARD_SIGN_IN_FAILURES_PER_ACCOUNT": "off",
    }
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, migrations.upgrade(env["TASKBOARD_DATABASE_URL"])).result()
    log = folder / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                *(BIN / "python", "-m", "uvicorn", "tests.openapi.served:app_with_fast_hashing", "--factory"),
                *("--port", str(port), "--loop", "uvloop", "--http", "httptools", "--log-level", "warning"),
            ],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_live(port, lambda: process.poll() is not None, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def sign_in(base_url: str) -> str:
    response = httpx.post(
        f"{base_url}/api/v1/auth/token", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def test_schemathesis_finds_no_failure_on_any_operation(served: str, tmp_path: Path) -> None:
    command = [
        str(BIN / "schemathesis"),
        "run",
        f"{served}/schema/openapi.json",
        "--checks=all",
        "--phases=examples,coverage,fuzzing,stateful",
        "--seed=1",
        f"--max-examples={MAX_EXAMPLES}",
        "--workers=1",
        "--generation-database=none",
        "--no-color",
        f"--header=Authorization: Bearer {sign_in(served)}",
    ]

    result = subprocess.run(
        command,
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)},
        # Whatever schemathesis writes stays out of the project.
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )

    summary = result.stdout[-20_000:] + result.stderr[-5_000:]
    assert result.returncode == 0, summary
    assert "Failures:" not in result.stdout, summary
    # Every operation of the document was tested.
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", result.stdout)
    assert selected is not None, summary
    assert selected.group(1) == selected.group(2) == selected.group(3), summary
