"""A throw-away PostgreSQL cluster: initdb in a temporary folder, a free port, stopped and removed after."""

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("BENCH_PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"  # initdb and postgres refuse to run as root

# Appended to postgresql.conf: where it listens (the port is chosen when it starts).
LISTEN = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
"""
# The benchmark's. pg_stat_statements with track=all counts BEGIN/COMMIT/ROLLBACK too (utility
# statements), which is what "statements per request" must include. Durability is off: the cluster
# is deleted afterwards, and fsyncs would only slow the seeding down (a clean stop still
# checkpoints, so nothing committed is lost across a stop and start).
SETTINGS = """
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
pg_stat_statements.track_utility = on
pg_stat_statements.max = 10000
shared_buffers = '1GB'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
"""


@dataclass(frozen=True, slots=True)
class Cluster:
    port: int
    database: str
    folder: Path

    @property
    def _data(self) -> Path:
        return self.folder / "data"

    def start(self) -> None:
        """Start the server; returns once it accepts connections."""
        _as_postgres(
            PG_BIN / "pg_ctl",
            "-D",
            self._data,
            "-l",
            self.folder / "server.log",
            "-w",
            "-t",
            "60",
            "start",
            timeout=90,
        )

    def stop(self, *, check: bool = True) -> None:
        """Stop the server the way an operator restarting it does: sessions are ended, open
        transactions rolled back, and what was committed is kept."""
        stop = ["-m", "fast", "-w", "-t", "60", "stop"]
        _as_postgres(PG_BIN / "pg_ctl", "-D", self._data, *stop, timeout=90, check=check)

    @property
    def sqlalchemy_url(self) -> str:
        return f"postgresql+asyncpg://{OS_USER}@127.0.0.1:{self.port}/{self.database}"

    @property
    def dsn(self) -> str:
        return f"postgresql://{OS_USER}@127.0.0.1:{self.port}/{self.database}"

    def psql(self, sql: str, *, timeout: float = 600) -> str:
        """Run SQL through psql as the cluster's superuser; the output without headers."""
        result = subprocess.run(
            [
                PG_BIN / "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                OS_USER,
                "-d",
                self.database,
                "-v",
                "ON_ERROR_STOP=1",
                "-qAt",
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return result.stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_postgres(*command: str | Path, timeout: float, check: bool = True) -> None:
    runner = [] if os.geteuid() != 0 else ["runuser", "-u", OS_USER, "--"]
    subprocess.run([*runner, *command], check=check, capture_output=True, timeout=timeout)


@contextmanager
def temporary_cluster(
    database: str = "taskboard",
    *,
    settings: str = SETTINGS,
    extensions: tuple[str, ...] = ("pg_stat_statements",),
) -> Iterator[Cluster]:
    """Start a cluster with `settings` (the benchmark's by default) and one empty database with
    `extensions`; stop and delete it after."""
    folder = Path(tempfile.mkdtemp(prefix="taskboard-pg-"))
    port = free_port()
    cluster = Cluster(port=port, database=database, folder=folder)
    started = False
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, OS_USER, OS_USER)
        initdb = f"-U {OS_USER} --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync"
        _as_postgres(PG_BIN / "initdb", "-D", folder / "data", *initdb.split(), timeout=120)
        with (folder / "data" / "postgresql.conf").open("a") as conf:
            conf.write(LISTEN.format(port=port, socket_dir=folder) + settings)
        cluster.start()
        started = True
        Cluster(port=port, database="postgres", folder=folder).psql(f'CREATE DATABASE "{database}"')
        for extension in extensions:
            cluster.psql(f"CREATE EXTENSION {extension}")
        yield cluster
    finally:
        try:
            if started:
                # Not checked: after a Ctrl-C the server got the SIGINT too and may be gone already;
                # a test may have left it stopped.
                cluster.stop(check=False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
