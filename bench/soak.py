"""`make soak`: taskboard under mixed reads and writes for ten minutes, watching errors and memory.

A PostgreSQL cluster of its own (deleted afterwards, as for `make bench`), seeded with `taskboard
seed`; one `taskboard serve` process on one CPU, 16 clients on the other. Every client loops over a
mix of requests: task lists and single tasks and comments read as a seeded member, tasks created,
updated and commented on as the seeded administrator (each client changes only the tasks it made,
so no two updates race on purpose). Each minute it prints the requests answered and the errors
(any answer but the one expected, or no answer); at the end the server's resident memory (VmRSS)
after a warm-up and at the end. It exits 1 unless there were no errors and memory grew < 10 %.
"""

import argparse
import asyncio
import itertools
import os
import random
import sys
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.cluster import temporary_cluster
from bench.run import (
    ADMIN,
    API,
    LOAD_CPU,
    ROOT,
    bound_in_time,
    run_taskboard,
    seed_cluster,
    server_environment,
    serving,
    step,
    token_of,
)

MAX_RSS_GROWTH = 0.10


@dataclass
class Tally:
    """Requests answered and errors, per minute since the measured part began."""

    answered: Counter[int] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)  # the first few errors, to show

    def record(self, minute: int, kind: str, error: str | None) -> None:
        self.answered[minute] += 1
        self.by_kind[kind] += 1
        if error is not None:
            self.errors[minute] += 1
            if len(self.samples) < 5:
                self.samples.append(f"{kind}: {error}")


@dataclass(frozen=True, slots=True)
class Result:
    tally: Tally
    rss_start_mib: float  # after the warm-up
    rss_end_mib: float


@dataclass(frozen=True, slots=True)
class Tokens:
    admin: dict[str, str]
    member: dict[str, str]
    project_id: str


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    bound_in_time(args.minutes + args.warmup_seconds / 60 + 20)
    if LOAD_CPU is not None:
        os.sched_setaffinity(0, {int(LOAD_CPU)})  # the clients on one CPU, the server on the other
    with ExitStack() as stack:
        work = ROOT / "bench" / "results" / time.strftime("soak-%Y%m%d-%H%M%S")
        work.mkdir(parents=True)
        step("PostgreSQL cluster")
        cluster = stack.enter_context(temporary_cluster())
        env = server_environment(cluster)
        # The clients' tokens must outlast the run.
        env["TASKBOARD_TOKEN_LIFETIME_SECONDS"] = str(int(args.minutes * 60 + args.warmup_seconds + 600))
        run_taskboard(env, "db", "upgrade")
        seed_cluster(cluster, env, args.tasks)
        server = stack.enter_context(serving("taskboard", env, work))
        tokens = _sign_in(server.base)
        idle = _rss_mib(server.pid)
        step(f"{args.clients} clients, warm-up {args.warmup_seconds:g} s (server RSS idle: {idle:.1f} MiB)")
        result = asyncio.run(_soak(server.base, tokens, args, server.pid))
        step("stopping the server and the cluster")
    return _report(result, args, work)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="make soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10, help="measured minutes (default 10)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks to seed first (default 10000)")
    parser.add_argument(
        "--warmup-seconds",
        type=float,
        default=30,
        help="load before the starting RSS is read, so caches that fill once are not counted (30)",
    )
    return parser


def _sign_in(base: str) -> Tokens:
    """The seeded administrator, and a seeded member with a project to read."""
    admin = {"Authorization": f"Bearer {token_of(base, ADMIN)}"}
    with httpx.Client(base_url=base + API, timeout=30) as client:
        for number in range(1, 11):
            member = {"Authorization": f"Bearer {token_of(base, f'seed-user-{number:05d}@example.com')}"}
            projects = client.get("/projects", params={"limit": 100}, headers=member).raise_for_status()
            if items := projects.json()["items"]:
                return Tokens(admin=admin, member=member, project_id=items[0]["id"])
    raise SystemExit("soak: none of the first ten seeded members belongs to a project")


# Each client's requests, by weight: reads outnumber writes about two to one.
MIX = [("list", 30), ("read", 15), ("comments", 10), ("create", 15), ("update", 15), ("comment", 15)]


async def _soak(base: str, tokens: Tokens, args: argparse.Namespace, pid: int) -> Result:
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=base + API, timeout=30, limits=limits) as client:
        seeded = await client.get(
            "/tasks", params={"project_id": tokens.project_id, "limit": 50}, headers=tokens.member
        )
        tasks = [(task["key"], task["id"]) for task in seeded.raise_for_status().json()["items"]]
        warmup = Tally()
        await _run_clients(client, tokens, tasks, args.clients, args.warmup_seconds, warmup)
        if warmup.errors:
            print(f"warm-up errors: {sum(warmup.errors.values())}: {warmup.samples}", flush=True)
        start_rss = _rss_mib(pid)
        step(f"measuring for {args.minutes:g} min (server RSS after the warm-up: {start_rss:.1f} MiB)")
        tally = Tally()
        reporter = asyncio.create_task(_report_each_minute(tally, pid, args.minutes))
        await _run_clients(client, tokens, tasks, args.clients, args.minutes * 60, tally)
        reporter.cancel()
        if args.minutes >= 1:
            _print_minute(tally, int(args.minutes) - 1, pid)  # it also holds the answers after the deadline
    return Result(tally, start_rss, _rss_mib(pid))


async def _run_clients(
    client: httpx.AsyncClient,
    tokens: Tokens,
    tasks: list[tuple[str, str]],
    clients: int,
    seconds: float,
    tally: Tally,
) -> None:
    began = time.monotonic()
    deadline = began + seconds
    await asyncio.gather(
        # Seeded per client: the same mix of requests in every run.
        *(_client(client, tokens, tasks, random.Random(n), began, deadline, tally) for n in range(clients))  # noqa: S311
    )


async def _client(
    client: httpx.AsyncClient,
    tokens: Tokens,
    tasks: list[tuple[str, str]],
    rng: random.Random,
    began: float,
    deadline: float,
    tally: Tally,
) -> None:
    kinds, weights = zip(*MIX, strict=True)
    mine: list[dict[str, Any]] = []  # the tasks this client created: id and version
    titles = itertools.count()
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, weights)[0]
        if kind in ("update", "comment") and not mine:
            kind = "create"
        error = await _one(client, tokens, tasks, rng, kind, mine, next(titles))
        # Counted in the minute it was answered in; the last requests, answered after the
        # deadline, in the last minute.
        minute = min(int((time.monotonic() - began) // 60), max(int((deadline - began) // 60) - 1, 0))
        tally.record(minute, kind, error)


async def _one(
    client: httpx.AsyncClient,
    tokens: Tokens,
    tasks: list[tuple[str, str]],
    rng: random.Random,
    kind: str,
    mine: list[dict[str, Any]],
    title: int,
) -> str | None:
    """One request of `kind`; None when it got the answer expected, else what went wrong."""
    try:
        if kind == "list":
            params: dict[str, str | int] = {
                "project_id": tokens.project_id,
                "limit": 50,
                "status": rng.choice(["todo", "done"]),
            }
            response = await client.get("/tasks", params=params, headers=tokens.member)
            expected = 200
        elif kind == "read":
            response = await client.get(f"/tasks/{rng.choice(tasks)[0]}", headers=tokens.member)
            expected = 200
        elif kind == "comments":
            response = await client.get(f"/tasks/{rng.choice(tasks)[1]}/comments", headers=tokens.member)
            expected = 200
        elif kind == "create":
            body = {"project_id": tokens.project_id, "title": f"Soak task {title}", "priority": "low"}
            response = await client.post("/tasks", json=body, headers=tokens.admin)
            expected = 201
            if response.status_code == expected:
                mine.append(response.json())
        elif kind == "update":
            index = rng.randrange(len(mine))
            task = mine[index]
            priority = "high" if task["priority"] != "high" else "low"
            headers = {**tokens.admin, "If-Match": f'"{task["version"]}"'}
            response = await client.patch(
                f"/tasks/{task['id']}", json={"priority": priority}, headers=headers
            )
            expected = 200
            if response.status_code == expected:
                mine[index] = response.json()
        else:
            task = rng.choice(mine)
            body = {"body": f"Soak comment {title}"}
            response = await client.post(f"/tasks/{task['id']}/comments", json=body, headers=tokens.admin)
            expected = 201
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}"
    if response.status_code != expected:
        return f"{response.status_code} {response.text[:200]}"
    return None


async def _report_each_minute(tally: Tally, pid: int, minutes: float) -> None:
    """Each minute but the last as it ends: answers are counted in the minute they arrive in."""
    for minute in range(int(minutes) - 1):
        await asyncio.sleep(60)
        _print_minute(tally, minute, pid)


def _print_minute(tally: Tally, minute: int, pid: int) -> None:
    print(
        f"  minute {minute + 1:>3}: {tally.answered[minute]:>6} requests "
        f"({tally.answered[minute] / 60:6.1f}/s), {tally.errors[minute]} errors, "
        f"server RSS {_rss_mib(pid):.1f} MiB",
        flush=True,
    )


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # reported in kB
    raise RuntimeError(f"no VmRSS for process {pid}")


def _report(result: Result, args: argparse.Namespace, work: Path) -> int:
    tally, start, end = result.tally, result.rss_start_mib, result.rss_end_mib
    growth = (end - start) / start
    answered, errors = sum(tally.answered.values()), sum(tally.errors.values())
    seconds = args.minutes * 60
    print(f"\nsoak: {args.minutes:g} min, {args.clients} clients, {args.tasks} seeded tasks")
    print(f"  requests: {answered} ({answered / seconds:.1f}/s); by kind: {dict(tally.by_kind)}")
    print(f"  errors: {errors}")
    for sample in tally.samples:
        print(f"    {sample}")
    print(f"  server RSS: {start:.1f} MiB after the warm-up, {end:.1f} MiB at the end ({growth:+.1%})")
    print(f"  server log: {work / 'taskboard.log'}")
    passed = errors == 0 and growth < MAX_RSS_GROWTH
    print(f"soak: {'passed' if passed else 'FAILED'} (errors must be 0, RSS growth < {MAX_RSS_GROWTH:.0%})")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
