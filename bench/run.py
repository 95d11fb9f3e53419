"""`make bench`: taskboard's `GET /api/v1/tasks` beside a hand-written baseline, side by side in one run.

Everything runs on this machine: a PostgreSQL cluster of its own (deleted afterwards), seeded with
`taskboard seed`; each server in one process pinned to one CPU, the load generator on the other.
Numbers from one run are comparable with each other; absolute figures vary between machines and days.
"""

import argparse
import functools
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from bench.cluster import Cluster, free_port, temporary_cluster
from bench.load import LoadResult, run_load, sequential

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Two cores: the server under test gets one, the load generator the other (PostgreSQL floats).
SERVER_CPU, LOAD_CPU = ("1", "0") if (os.cpu_count() or 1) > 1 else (None, None)
API = "/api/v1"
ADMIN, MEMBER, PASSWORD = "seed-admin@example.com", "seed-user-{:05d}@example.com", "seed-password"
TASKBOARD_APP = "adapters.composition:create_app"


@dataclass(frozen=True, slots=True)
class ServerSpec:
    label: str
    argv: Callable[[int], list[str]]  # the command line, given the port


def _uvicorn(app: str, loop: str = "uvloop", http: str = "httptools") -> Callable[[int], list[str]]:
    # The baselines run on exactly the server `taskboard serve` runs on: only the app differs.
    flags = f"--factory --loop {loop} --http {http} --no-access-log --log-level warning --host 127.0.0.1"
    return lambda port: [sys.executable, "-m", "uvicorn", *flags.split(), "--port", str(port), app]


def _granian(app: str) -> Callable[[int], list[str]]:
    flags = (
        "--interface asgi --factory --loop uvloop --workers 1 --no-ws --log-level warning --host 127.0.0.1"
    )
    return lambda port: [str(BIN / "granian"), *flags.split(), "--port", str(port), app]


SERVERS = {
    "raw": ServerSpec("raw asyncpg", _uvicorn("bench.raw_app:create_app")),
    "taskboard": ServerSpec("taskboard", lambda port: [str(BIN / "taskboard"), "serve", "--port", str(port)]),
    "fastapi": ServerSpec("FastAPI + ORM", _uvicorn("bench.fastapi_app:create_app")),
    # For choosing taskboard's server: the same app on granian, and on uvicorn's pure-Python stack
    # (asyncio's loop and h11), which is what uvicorn without its standard extra runs.
    "taskboard-granian": ServerSpec("taskboard on granian", _granian(TASKBOARD_APP)),
    "taskboard-h11": ServerSpec("taskboard on asyncio+h11", _uvicorn(TASKBOARD_APP, "asyncio", "h11")),
}


@dataclass(frozen=True, slots=True)
class Server:
    key: str
    label: str
    base: str  # http://127.0.0.1:PORT
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server process and its children (granian's worker)."""
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(stat.parent.name) == self.pid or int(fields[1]) == self.pid:
                total += int(fields[11]) + int(fields[12])  # utime and stime, in clock ticks
        return total / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Round:
    load: LoadResult
    cpu_ms_per_request: float  # the server's CPU time per answered request


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    began = time.monotonic()
    bound_in_time(args.deadline_minutes)
    with ExitStack() as stack:
        # Server logs stay in bench/results/ (git-ignored) for a look after a surprising run.
        work = ROOT / "bench" / "results" / time.strftime("%Y%m%d-%H%M%S")
        work.mkdir(parents=True)
        step("PostgreSQL cluster (initdb, pg_stat_statements)")
        cluster = stack.enter_context(temporary_cluster())
        env = server_environment(cluster)
        run_taskboard(env, "db", "upgrade")
        if args.scale_check:
            _scale_check(args, cluster, env, work, stack)
        else:
            seed_cluster(cluster, env, args.tasks)
            _throughput(args, cluster, env, work, stack)
        step("stopping servers and the cluster")
    print(f"\nbench took {time.monotonic() - began:.0f} s", flush=True)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000, help="tasks to seed (default 100000)")
    # Many short rounds rather than a few long ones: this machine's speed drifts by half within a
    # minute, and each round's ratio compares servers measured seconds apart.
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per server (default 5)")
    parser.add_argument("--seconds", type=float, default=6, help="length of a round (default 6)")
    parser.add_argument("--warmup", type=float, default=5, help="warm-up per server (default 5 s)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument(
        "--servers",
        default="raw,taskboard,fastapi",
        help=f"comma-separated, the first is the ratio's reference; of {', '.join(SERVERS)}",
    )
    parser.add_argument(
        "--scale-check",
        action="store_true",
        help="instead: list p50 at --small tasks, then topped up to --large (minutes of seeding)",
    )
    parser.add_argument("--small", type=int, default=10_000, help="scale check: first size (10000)")
    parser.add_argument("--large", type=int, default=1_000_000, help="scale check: second size (1000000)")
    parser.add_argument("--deadline-minutes", type=float, default=60, help="give up after this long (60)")
    return parser


# Steps --------------------------------------------------------------------------------------------


def _throughput(
    args: argparse.Namespace, cluster: Cluster, env: dict[str, str], work: Path, stack: ExitStack
) -> None:
    keys = args.servers.split(",")
    servers = [stack.enter_context(serving(key, env, work)) for key in keys]
    taskboard = next((s for s in servers if s.key == "taskboard"), servers[0])
    admin, member, project_id = _sign_in(taskboard.base)
    path = f"{API}/tasks?project_id={project_id}&limit=50"

    step(f"checking that every server answers GET {path} with the same page")
    reference = _page_without_cursor(_get_json(taskboard.base + path, member))
    assert reference["items"], "the page is empty: nothing to compare"
    for server in servers:
        _same_or_exit(reference, _page_without_cursor(_get_json(server.base + path, member)), server.label)

    step(f"warm-up, {args.warmup:g} s each")
    for server in servers:
        run_load(server.base + path, member, seconds=args.warmup, connections=args.connections, cpu=LOAD_CPU)
    results: dict[str, list[Round]] = {server.key: [] for server in servers}
    for round_number in range(args.rounds):
        # Each round starts with the next server, so that a drift of the machine spreads over all.
        order = servers[round_number % len(servers) :] + servers[: round_number % len(servers)]
        step(f"round {round_number + 1} of {args.rounds}: {', '.join(s.label for s in order)}")
        for server in order:
            _settle(cluster)
            cpu_before = server.cpu_seconds()
            load = run_load(
                server.base + path, member, seconds=args.seconds, connections=args.connections, cpu=LOAD_CPU
            )
            cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / (load.requests_per_second * args.seconds)
            results[server.key].append(Round(load, cpu_ms))
            print(
                f"    {server.label:<26} {load.requests_per_second:8.1f} req/s {cpu_ms:6.2f} CPU ms/request",
                flush=True,
            )

    step("statements per request (pg_stat_statements, 100 sequential requests)")
    statements = {
        server.key: _statements(
            cluster, functools.partial(sequential, "GET", server.base + path, member, count=100)
        )
        for server in servers
    }
    _print_throughput(servers, results, statements, args)
    _print_taskboard_details(cluster, taskboard, admin, member, reference)


def _scale_check(
    args: argparse.Namespace, cluster: Cluster, env: dict[str, str], work: Path, stack: ExitStack
) -> None:
    p50s: dict[int, dict[str, float]] = {}
    taskboard: Server | None = None
    for size in (args.small, args.large):
        seed_cluster(cluster, env, size)
        if taskboard is None:
            taskboard = stack.enter_context(serving("taskboard", env, work))
        admin, member, project_id = _sign_in(taskboard.base)
        paths = {
            "member GET /tasks?project_id=…&limit=50": (
                f"{API}/tasks?project_id={project_id}&limit=50",
                member,
            ),
            "admin GET /tasks?limit=50": (f"{API}/tasks?limit=50", admin),
            "admin GET /tasks?sort=-priority,due_date&limit=50": (
                f"{API}/tasks?sort=-priority,due_date&limit=50",
                admin,
            ),
        }
        step(f"sequential p50 at {size} tasks")
        p50s[size] = {
            name: statistics.median(sequential("GET", taskboard.base + url, token, count=50))
            for name, (url, token) in paths.items()
        }
    rows = [
        [name, f"{small:.1f}", f"{p50s[args.large][name]:.1f}", f"{p50s[args.large][name] / small:.2f}"]
        for name, small in p50s[args.small].items()
    ]
    print(
        f"\ntaskboard: p50 of 50 sequential requests at {args.small} and {args.large} tasks (target: ≤ 1.5x)"
    )
    print(_table(["request", f"ms at {args.small}", f"ms at {args.large}", "ratio"], rows))


# Output -------------------------------------------------------------------------------------------


def _print_throughput(
    servers: list[Server],
    results: dict[str, list[Round]],
    statements: dict[str, "Statements"],
    args: argparse.Namespace,
) -> None:
    def median(server: Server, measure: Callable[[Round], float]) -> float:
        return statistics.median(measure(r) for r in results[server.key])

    def ratio(server: Server, to: Server = servers[0]) -> float:
        """The median of the rounds' ratios: a drift of the machine's speed cancels out within a round."""
        pairs = zip(results[server.key], results[to.key], strict=True)
        return statistics.median(
            r.load.requests_per_second / ref.load.requests_per_second for r, ref in pairs
        )

    print(
        f"\nGET /api/v1/tasks?project_id=…&limit=50 on {args.tasks} tasks: one process per server "
        f"(CPU {SERVER_CPU}), {args.connections} connections from {_load_generator()} (CPU {LOAD_CPU}), "
        f"median of {args.rounds} rounds of {args.seconds:g} s (the ratio: median of each round's ratio)"
    )
    rows = []
    for server in servers:
        rate = median(server, lambda r: r.load.requests_per_second)
        rows.append(
            [
                server.label,
                f"{rate:.0f}",
                f"{median(server, lambda r: r.load.p50_ms):.1f}",
                f"{median(server, lambda r: r.load.p99_ms):.1f}",
                str(sum(r.load.errors for r in results[server.key])),
                f"{ratio(server):.2f}",
                f"{statements[server.key].per_request:g}",
                f"{median(server, lambda r: r.cpu_ms_per_request):.1f}",
            ]
        )
    header = ["server", "req/s", "p50 ms", "p99 ms", "errors", f"x {servers[0].label}", "statements/request"]
    print(_table([*header, "server CPU ms/request"], rows))
    for server in servers:
        print(f"  {server.label}: {statements[server.key]} per request")
    named = {server.key: server for server in servers}
    if "taskboard" in named and "fastapi" in named:
        taskboard, fastapi = named["taskboard"], named["fastapi"]
        print(f"  {taskboard.label} / {fastapi.label}: {ratio(taskboard, fastapi):.2f} (per round, median)")


def _print_taskboard_details(
    cluster: Cluster, taskboard: Server, admin: str, member: str, page: dict[str, Any]
) -> None:
    task = page["items"][0]
    base = taskboard.base + API
    # PATCH alternates between another priority and the task's own, so that every request writes.
    other = "low" if task["priority"] == "urgent" else "urgent"
    priorities = [json.dumps({"priority": p}).encode() for p in (other, task["priority"])]

    def batch(method: str, url: str, token: str, bodies: list[bytes] | None = None) -> Callable[[], object]:
        return lambda: sequential(method, url, token, count=100, bodies=bodies)

    counted = {
        "GET /tasks?project_id=…&limit=50": (
            batch("GET", f"{base}/tasks?project_id={task['project']['id']}&limit=50", member),
            7,
        ),
        "GET /tasks/{key}": (batch("GET", f"{base}/tasks/{task['key']}", member), 8),
        "GET /projects": (batch("GET", f"{base}/projects", member), 6),
        "GET /tasks/{id}/comments": (batch("GET", f"{base}/tasks/{task['id']}/comments", member), 7),
        # pg_stat_statements also counts the foreign-key checks the history entry's INSERT runs
        # inside the database (its task, its actor): 9 round trips, 11 statements.
        "PATCH /tasks/{id}": (batch("PATCH", f"{base}/tasks/{task['id']}", admin, priorities), 11),
    }
    rows = []
    for name, (requests, budget) in counted.items():
        statements = _statements(cluster, requests)
        rows.append([name, f"{statements.per_request:g}", f"≤ {budget}", str(statements)])
    print("\ntaskboard: statements per request, 100 sequential requests (member; PATCH as admin)")
    print(_table(["request", "statements", "budget", "of which"], rows))

    word = max(re.findall(r"[^\W\d_]{4,}", task["title"]) or ["task"], key=len).lower()
    timed = {
        "GET /tasks?limit=50": (f"{base}/tasks?limit=50", 25),
        "GET /tasks?sort=-priority,due_date&limit=50": (f"{base}/tasks?sort=-priority,due_date&limit=50", 30),
        f"GET /tasks?q={word}&limit=50": (f"{base}/tasks?q={word}&limit=50", 40),
        "GET /tasks/{key}": (f"{base}/tasks/{task['key']}", 6),
    }
    rows = []
    for name, (url, target) in timed.items():
        p50 = statistics.median(sequential("GET", url, admin, count=50))
        rows.append([name, f"{p50:.1f}", f"≤ {target}"])
    print("\ntaskboard: p50 of 50 sequential requests as the admin (every project)")
    print(_table(["request", "p50 ms", "target"], rows))


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, numbers right-aligned, ready to paste into the README."""
    columns = list(zip(header, *rows, strict=True))
    widths = [max(len(cell) for cell in column) for column in columns]
    numeric = [all(re.fullmatch(r"[≤\d.\s-]+", cell) for cell in column[1:]) for column in columns]

    def line(cells: list[str]) -> str:
        padded = (c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric, strict=True))
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join("-" * (w + 1) + ":" if n else "-" * (w + 2) for w, n in zip(widths, numeric, strict=True))
        + "|"
    )
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def _load_generator() -> str:
    return "wrk -t2" if shutil.which("wrk") else "the Python load generator (no wrk)"


# Helpers ------------------------------------------------------------------------------------------


def step(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def bound_in_time(minutes: float) -> None:
    """SIGALRM after the deadline and SIGTERM both unwind through every `finally` (cleanup runs)."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(f"bench: stopped by {signal.Signals(signum).name}")

    signal.signal(signal.SIGALRM, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.alarm(int(minutes * 60))


def server_environment(cluster: Cluster) -> dict[str, str]:
    """One environment for every server, so all verify tokens with the same key, issuer and audience."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("TASKBOARD_")}
    return {
        **clean,
        "TASKBOARD_DATABASE_URL": cluster.sqlalchemy_url,
        "TASKBOARD_ENV": "production",
        "TASKBOARD_SECRET_KEY": secrets.token_urlsafe(48),
        # Requests are not logged one by one: the baseline does not log them either.
        "TASKBOARD_LOG_LEVEL": "WARNING",
    }


def run_taskboard(env: dict[str, str], *command: str, timeout: float = 120) -> None:
    step("taskboard " + " ".join(command))
    subprocess.run(
        [BIN / "taskboard", *command],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL,
    )


def seed_cluster(cluster: Cluster, env: dict[str, str], tasks: int) -> None:
    # About 30 s per 100,000 tasks here; generous bounds for the 1M of the scale check.
    run_taskboard(
        env, "seed", "--users", "50", "--projects", "20", "--tasks", str(tasks), timeout=120 + tasks / 200
    )
    step("VACUUM ANALYZE (without it the planner's guesses on fresh tables distort every figure)")
    cluster.psql("VACUUM ANALYZE")
    # Measured here: the first VACUUM after the seed leaves three quarters of the tasks' pages not
    # all-visible (pg_class.relallvisible 1,320 of 5,634), so PostgreSQL counts with a sequential
    # scan (36 ms) instead of the index-only scan (4 ms); the second marks them, as autovacuum's
    # later runs do in production.
    cluster.psql("VACUUM")
    # Written out now, not by the checkpointer in the middle of a measured round.
    cluster.psql("CHECKPOINT")


@contextmanager
def serving(key: str, env: dict[str, str], work: Path) -> Iterator[Server]:
    spec, port = SERVERS[key], free_port()
    pin = ["taskset", "-c", SERVER_CPU] if SERVER_CPU is not None else []
    log = work / f"{key}.log"
    step(f"starting {spec.label} on port {port} (log: {log})")
    with log.open("wb") as output:
        process = subprocess.Popen([*pin, *spec.argv(port)], env=env, cwd=ROOT, stdout=output, stderr=output)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_live(base, process, log)
        yield Server(key, spec.label, base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_live(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/health/live", timeout=5):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"bench: the server did not start; its log:\n{log.read_text()}") from None
            time.sleep(0.2)


def _request(method: str, url: str, token: str | None = None, body: object = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _get_json(url: str, token: str) -> Any:
    return _request("GET", url, token)


def token_of(base: str, email: str) -> str:
    answer = _request("POST", f"{base}{API}/auth/token", body={"email": email, "password": PASSWORD})
    token: str = answer["access_token"]
    return token


def _sign_in(base: str) -> tuple[str, str, str]:
    """Tokens of the seeded admin and of the first seeded member in a project, and that project's id."""
    admin = token_of(base, ADMIN)
    for number in range(1, 11):
        member = token_of(base, MEMBER.format(number))
        projects = _get_json(f"{base}{API}/projects?limit=100", member)["items"]
        if projects:
            return admin, member, projects[0]["id"]
    raise SystemExit("bench: none of the first ten seeded members belongs to a project")


def _page_without_cursor(page: Any) -> Any:
    """The page but its `next_cursor`: the baselines do not page by cursor. Taskboard still signs
    one per page (an HMAC and a row more read), inside the time measured for it."""
    return {name: value for name, value in page.items() if name != "next_cursor"}


def _same_or_exit(expected: Any, actual: Any, label: str) -> None:
    """JSON documents equal but for key order; else say where they first differ, and stop."""
    if expected == actual:
        return
    where = _first_difference(expected, actual, "$")
    raise SystemExit(f"bench: {label} answers a different page than taskboard at {where}")


def _first_difference(expected: Any, actual: Any, path: str) -> str:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(expected.keys() | actual.keys()):
            if expected.get(key, "<missing>") != actual.get(key, "<missing>"):
                return _first_difference(
                    expected.get(key, "<missing>"), actual.get(key, "<missing>"), f"{path}.{key}"
                )
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            if left != right:
                return _first_difference(left, right, f"{path}[{index}]")
    return f"{path}: taskboard {json.dumps(expected)[:200]}, this one {json.dumps(actual)[:200]}"


def _settle(cluster: Cluster, timeout: float = 30) -> None:
    """Wait until no other session is busy: when wrk stops, a server still works off the requests
    that were in flight, and their statements (and CPU time) must not land on the next measurement."""
    deadline, quiet_since = time.monotonic() + timeout, time.monotonic()
    while time.monotonic() < deadline:
        busy = cluster.psql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state <> 'idle' AND pid <> pg_backend_pid()"
        )
        if busy != "0":
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= 1:
            return
        time.sleep(0.1)


@dataclass(frozen=True, slots=True)
class Statements:
    per_request: float
    by_kind: dict[str, float]  # BEGIN, SELECT, COMMIT, ... per request

    def __str__(self) -> str:
        return ", ".join(f"{kind} {calls:g}" for kind, calls in self.by_kind.items())


def _statements(cluster: Cluster, requests: Callable[[], object], count: int = 100) -> Statements:
    """Statements the database ran per request while `requests` sent `count` of them, one at a time.

    Counted by pg_stat_statements (track = all: BEGIN, COMMIT and ROLLBACK too) in this database,
    leaving out the bench's own reset and sum.
    """
    _settle(cluster)
    cluster.psql("SELECT pg_stat_statements_reset()")
    requests()
    time.sleep(0.5)  # a connection given back to the pool after the answer may still be finishing
    rows = cluster.psql(
        "SELECT upper(split_part(ltrim(query), ' ', 1)), sum(calls) FROM pg_stat_statements "
        "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND query NOT LIKE '%pg_stat_statements%' GROUP BY 1 ORDER BY 2 DESC"
    )
    by_kind = {kind: int(calls) / count for kind, calls in (row.split("|") for row in rows.splitlines())}
    return Statements(sum(by_kind.values()), by_kind)


if __name__ == "__main__":
    sys.exit(main())
