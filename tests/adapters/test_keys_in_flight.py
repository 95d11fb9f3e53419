"""KeysInFlight across processes: two workers serving one SQLite file refuse each other's running keys.

The other worker is a real second process holding a key through the same lock file.
"""

import subprocess
import sys
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from adapters.persistence.idempotency import KeysInFlight
from domain.errors import Conflict

OTHER_WORKER = """
import sys
from uuid import UUID
from adapters.persistence.idempotency import KeysInFlight
keys = KeysInFlight(sys.argv[1])
with keys.hold(UUID(sys.argv[2]), sys.argv[3]):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def hold_in_another_process(lock_path: Path, caller_id: UUID, key: str) -> subprocess.Popen[str]:
    worker = subprocess.Popen(
        [sys.executable, "-c", OTHER_WORKER, str(lock_path), str(caller_id), key],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    assert worker.stdout.readline() == "holding\n"
    return worker


def test_a_key_held_by_another_process_is_refused_until_that_process_lets_go(tmp_path: Path) -> None:
    lock_path, caller_id = tmp_path / "taskboard.db-idempotency-locks", uuid4()
    keys = KeysInFlight(str(lock_path))
    worker = hold_in_another_process(lock_path, caller_id, "create-task-1")
    try:
        with pytest.raises(Conflict), keys.hold(caller_id, "create-task-1"):
            pass
        # Another key, or the same key of another caller, is free meanwhile.
        with keys.hold(caller_id, "create-task-2"), keys.hold(uuid4(), "create-task-1"):
            pass
    finally:
        assert worker.stdin is not None
        worker.stdin.write("\n")
        worker.stdin.close()
        worker.wait(timeout=10)

    with keys.hold(caller_id, "create-task-1"):
        pass


def test_a_process_that_dies_holding_a_key_leaves_it_free(tmp_path: Path) -> None:
    lock_path, caller_id = tmp_path / "taskboard.db-idempotency-locks", uuid4()
    worker = hold_in_another_process(lock_path, caller_id, "create-task-1")
    worker.kill()
    worker.wait(timeout=10)

    with KeysInFlight(str(lock_path)).hold(caller_id, "create-task-1"):
        pass


def test_within_one_process_a_key_is_held_once_and_free_again_after() -> None:
    keys, caller_id = KeysInFlight(), uuid4()
    with keys.hold(caller_id, "k"), pytest.raises(Conflict), keys.hold(caller_id, "k"):
        pass
    with keys.hold(caller_id, "k"):
        pass
