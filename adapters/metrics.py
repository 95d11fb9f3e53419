"""The service's own Prometheus metrics beside Litestar's request metrics (adapters/http/metrics.py):
the database pool and the unit-of-work retries, and what feeds them.

Each process keeps its own values; under `taskboard serve` prometheus-client's multiprocess mode
(PROMETHEUS_MULTIPROC_DIR, made by the CLI) writes them to files that GET /metrics adds up: counters
are summed over the workers, the pool gauges are shown per live worker (a `pid` label), since each
worker has a pool of its own and one of them can run dry while the others idle.
"""

from prometheus_client import Counter, Gauge
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool, QueuePool

POOL_SIZE = Gauge(
    "taskboard_db_pool_size",
    "Connections the database pool keeps open (SQLAlchemy's pool_size)",
    multiprocess_mode="liveall",
)
POOL_CHECKED_OUT = Gauge(
    "taskboard_db_pool_checked_out",
    "Pooled database connections in use by a request now",
    multiprocess_mode="liveall",
)
POOL_OVERFLOW = Gauge(
    "taskboard_db_pool_overflow",
    "Connections open beyond the pool size now (at most TASKBOARD_DATABASE_POOL_OVERFLOW)",
    multiprocess_mode="liveall",
)
UNIT_OF_WORK_RETRIES = Counter(
    "taskboard_unit_of_work_retries",
    "Use cases run again because their transaction collided with concurrent ones",
)
UNIT_OF_WORK_GIVE_UPS = Counter(
    "taskboard_unit_of_work_give_ups",
    "Use cases that still collided on their last attempt (answered 503)",
)


def watch_pool(engine: AsyncEngine) -> None:
    """Keep the pool gauges true for `engine`, the process's one engine, from its own checkouts and
    checkins: no work at scrape time, and none at all on a request that touches no database.

    A SQLite file and PostgreSQL have a queue pool; an in-memory SQLite database shares one
    connection and the memory adapter has none, so there is nothing to report for them.
    """
    sync_engine = engine.sync_engine
    if not isinstance(sync_engine.pool, QueuePool):
        return

    def checked_out(*_: object) -> None:
        _report(sync_engine.pool, returning=False)

    def checked_in(*_: object) -> None:
        _report(sync_engine.pool, returning=True)

    event.listen(sync_engine, "checkout", checked_out)
    event.listen(sync_engine, "checkin", checked_in)
    # The size never changes (dispose() recreates the pool alike): once, not on every event.
    POOL_SIZE.set(sync_engine.pool.size())
    _report(sync_engine.pool, returning=False)


def _report(pool: Pool, *, returning: bool) -> None:
    assert isinstance(pool, QueuePool)  # so it was when watched; dispose() recreates it alike
    in_use, overflow = pool.checkedout(), pool.overflow()
    if returning:
        # The checkin event comes before the pool takes the connection back: it still counts as
        # checked out, and when the pool already holds its size in idle connections it will close
        # this one, an overflow connection.
        in_use -= 1
        if pool.checkedin() >= pool.size():
            overflow -= 1
    POOL_CHECKED_OUT.set(in_use)
    # SQLAlchemy counts up from -size while the pool is still filling; only the excess is overflow.
    POOL_OVERFLOW.set(max(0, overflow))
