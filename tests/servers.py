"""Helpers for tests that start a real server process: a free port, and waiting until it answers."""

import socket
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_live(port: int, exited: Callable[[], bool], log: Path) -> None:
    """Until GET /health/live answers 200; fails with the server's `log` if it has `exited` first,
    or after 60 s."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=5) as response:
                assert response.status == 200
                return
        except OSError as error:
            if time.monotonic() > deadline or exited():
                raise AssertionError(f"the server did not come up ({error}):\n{log.read_text()}") from error
            time.sleep(0.2)
