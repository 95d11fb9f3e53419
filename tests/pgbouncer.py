"""A PgBouncer of the tests' own, in transaction pooling mode, in front of a PostgreSQL database.

Debian's `pgbouncer` package (`make test` installs it). It refuses to run as root, so as root it
switches to the `postgres` user; its configuration, log and pid file live in a temporary folder.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.servers import free_port

OS_USER = "postgres"
# Fewer server connections than the app's pool (15) has client connections: the
# transactions of one client connection then run on different server connections, as in production.
SERVER_CONNECTIONS = 4

# No ignore_startup_parameters: PgBouncer refuses a client that sends a startup parameter it does not
# know, so these tests also show that the service sends none behind it (no statement_timeout).
CONFIGURATION = """
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
default_pool_size = {server_connections}
max_client_conn = 500
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
server_reset_query = DEALLOCATE ALL
server_reset_query_always = 1
"""


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/bin")


@contextmanager
def running_pgbouncer(database_url: str) -> Iterator[str]:
    """Start PgBouncer in front of the server of `database_url`; yield the same URL through it."""
    binary = pgbouncer_binary()
    if binary is None:
        raise FileNotFoundError("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    target = make_url(database_url)
    folder = Path(tempfile.mkdtemp(prefix="taskboard-pgbouncer-"))
    port = free_port()
    process: subprocess.Popen[bytes] | None = None
    try:
        (folder / "users.txt").write_text(f'"{target.username}" ""\n')
        ini = folder / "pgbouncer.ini"
        ini.write_text(
            CONFIGURATION.format(
                host=target.host,
                port=target.port or 5432,
                listen_port=port,
                folder=folder,
                server_connections=SERVER_CONNECTIONS,
            )
        )
        as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(folder, OS_USER, OS_USER)
            as_user = ["-u", OS_USER]
        process = subprocess.Popen([binary, *as_user, str(ini)], stderr=subprocess.DEVNULL)
        _wait_until_listening(port, process, folder / "pgbouncer.log")
        yield target.set(port=port).render_as_string(hide_password=False)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                printed = log.read_text() if log.exists() else "(no log)"
                raise RuntimeError(f"pgbouncer did not start: {printed}") from None
            time.sleep(0.05)
