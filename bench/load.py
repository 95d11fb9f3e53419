"""Load generation: wrk when it is installed, a small asyncio generator otherwise; sequential timing."""

import asyncio
import http.client
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx answers, socket errors and timeouts


def run_load(url: str, token: str, *, seconds: float, connections: int, cpu: str | None) -> LoadResult:
    """Drive `url` with keep-alive connections for `seconds`; pinned to `cpu` when given."""
    pin = ["taskset", "-c", cpu] if cpu is not None else []
    if shutil.which("wrk"):
        return _wrk(pin, url, token, seconds=seconds, connections=connections)
    return _python_load(pin, url, token, seconds=seconds, connections=connections)


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(pin: list[str], url: str, token: str, *, seconds: float, connections: int) -> LoadResult:
    command = [
        *pin,
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "--latency",
        "-H",
        f"Authorization: Bearer {token}",
        url,
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=seconds + 60).stdout

    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        assert match, output
        return float(match.group(1)) * _UNIT_MS[match.group(2)]

    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    assert rate, output
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    if non_2xx := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(non_2xx.group(1))
    return LoadResult(float(rate.group(1)), latency("50"), latency("99"), errors)


def _python_load(pin: list[str], url: str, token: str, *, seconds: float, connections: int) -> LoadResult:
    """The fallback: this module run as a pinned subprocess, so it competes for the CPU as wrk would."""
    command = [*pin, sys.executable, "-m", "bench.load", url, token, str(seconds), str(connections)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=seconds + 60).stdout
    rate, p50, p99, errors = output.split()
    return LoadResult(float(rate), float(p50), float(p99), int(errors))


async def _drive(url: str, token: str, seconds: float, connections: int) -> tuple[float, list[float], int]:
    parts = urlsplit(url)
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = 0

    async def connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                writer.write(request)
                status = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                latencies.append((time.perf_counter() - started) * 1000)
                if not status.startswith(b"HTTP/1.1 2"):
                    errors += 1
        finally:
            writer.close()

    began = time.monotonic()
    await asyncio.gather(*(connection() for _ in range(connections)))
    return len(latencies) / (time.monotonic() - began), latencies, errors


def sequential(
    method: str, url: str, token: str, *, count: int, bodies: list[bytes] | None = None
) -> list[float]:
    """Latencies in ms of `count` requests sent one after another on one keep-alive connection.

    `bodies` are sent in turn (a PATCH that alternates two values changes the row every time).
    """
    parts = urlsplit(url)
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    timings = []
    try:
        for number in range(count):
            body = None if not bodies else bodies[number % len(bodies)]
            started = time.perf_counter()
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            timings.append((time.perf_counter() - started) * 1000)
            if response.status >= 300:
                raise RuntimeError(f"{method} {url} answered {response.status}")
    finally:
        connection.close()
    return timings


def _main(url: str, token: str, seconds: str, connections: str) -> None:
    rate, latencies, errors = asyncio.run(_drive(url, token, float(seconds), int(connections)))
    cuts = statistics.quantiles(latencies, n=100)
    print(f"{rate:.1f} {cuts[49]:.3f} {cuts[98]:.3f} {errors}")


if __name__ == "__main__":
    _main(*sys.argv[1:5])
