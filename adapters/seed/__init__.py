"""`taskboard seed`: believable demo data in a SQL database, fast enough to fill one for benchmarks.

A run makes (or finds) these, all recognisable by name:
- users `seed-user-00001@example.com` ... and the administrator `seed-admin@example.com`; every
  account the run creates gets the one password given (default "seed-password"), hashed once;
- projects keyed `SEEDA`, `SEEDB`, ..., `SEEDZ`, `SEEDAA`, ..., each with one or two managers,
  contributors and viewers drawn from the seeded users, and four to eight tags;
- tasks spread unevenly over those projects, numbered through each project's task counter, with
  workflow-consistent statuses, tags, and comments by the project's managers and contributors.

Rerunning is safe: users and projects that already exist (by email, by live project key) are reused
as they are and only missing ones are added; tasks are topped up until the seeded projects hold the
requested number (soft-deleted ones included). Nothing existing is changed or removed.

The parts: `factories` draws believable entities, `plan` decides what to add without touching the
database, `store` reads what is there and writes the plan's rows in bulk (one transaction per
batch of tasks), `progress` shows how far it is.
"""

from typing import TextIO

from adapters.clock import UtcClock
from adapters.persistence.sqlalchemy.engine import create_engine
from adapters.security.passwords import Argon2PasswordHasher
from adapters.seed.plan import (
    DEFAULT_SEED_PASSWORD,
    PROJECT_KEY_PREFIX,
    SEED_ADMIN_EMAIL,
    SeedReport,
    SeedRequest,
    check_request,
    make_plan,
    seed_emails,
    seed_project_key,
    seed_user_email,
)
from adapters.seed.progress import ProgressBar
from adapters.seed.store import find_seeded, store_people, store_tasks

__all__ = [
    "DEFAULT_SEED_PASSWORD",
    "PROJECT_KEY_PREFIX",
    "SEED_ADMIN_EMAIL",
    "SeedReport",
    "SeedRequest",
    "seed",
    "seed_project_key",
    "seed_user_email",
]


async def seed(
    database_url: str, request: SeedRequest, progress: TextIO | None = None, *, random_seed: int | None = None
) -> SeedReport:
    """Fill the (migrated) database at `database_url` as the module docstring describes; the same
    data, but for ids and times (drawn from the moment it runs), for the same `random_seed` and
    database contents (None: different data every run)."""
    check_request(request)
    now = UtcClock().now()
    engine = create_engine(database_url)
    try:
        found = await find_seeded(engine)
        password_hash = ""
        if any(email not in found.users for email in seed_emails(request)):
            # Hashed once for all of them: argon2id takes tens of milliseconds by design.
            password_hash = await Argon2PasswordHasher().hash(request.password)
        planned = make_plan(request, found, now=now, password_hash=password_hash, random_seed=random_seed)
        await store_people(engine, planned)
        report = planned.report
        if report.tasks_created:
            bar = ProgressBar("tasks", report.tasks_created, progress)
            for batch in planned.task_batches:
                await store_tasks(engine, batch)
                report.comments_created += len(batch.comments)
                bar.advance(sum(len(tasks) for _, tasks in batch.tasks))
            bar.finish()
    finally:
        await engine.dispose()
    return report
