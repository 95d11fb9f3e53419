"""The baseline: Litestar and a raw asyncpg pool with hand-written SQL, answering what taskboard answers.

`GET /api/v1/tasks?project_id=&offset=&limit=` returns the same JSON page as taskboard (same rows,
fields, order and total) after the same auth work: verify the HS256 token (issuer, audience, expiry
and the claims taskboard requires), then one read-only REPEATABLE READ transaction that looks the
caller up (live and active), counts, reads the page, the page's tags in one `= ANY($1)` query and
its comment counts in one grouped query. Seven statements, BEGIN and COMMIT included.

Settings come from the same TASKBOARD_* variables taskboard reads. Run with
`uvicorn bench.raw_app:create_app --factory`.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import jwt
from litestar import Litestar, Request, get
from litestar.exceptions import NotAuthorizedException
from litestar.params import Parameter

REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud"]


def _filters(*, admin: bool, project: bool) -> tuple[str, int]:
    """The WHERE clause of count and page, and how many parameters it binds: the caller's id
    (members see only their projects' tasks), then the project's id when one is asked for."""
    conditions, bound = ["NOT p.is_deleted", "NOT t.is_deleted"], 0
    if not admin:
        bound += 1
        member_of = f"SELECT project_id FROM project_members WHERE user_id = ${bound}"  # noqa: S608
        conditions.append(f"t.project_id IN ({member_of})")
    if project:
        bound += 1
        conditions.append(f"t.project_id = ${bound}")
    return " AND ".join(conditions), bound


def _count_sql(*, admin: bool, project: bool) -> str:
    where, _ = _filters(admin=admin, project=project)
    return f"SELECT count(*) FROM tasks t JOIN projects p ON p.id = t.project_id WHERE {where}"  # noqa: S608


def _page_sql(*, admin: bool, project: bool) -> str:
    # Only the fixed fragments of this module are formatted in; every value is a bound parameter.
    where, bound = _filters(admin=admin, project=project)
    return f"""
        SELECT t.id, t.number, t.title, t.description, t.status, t.priority, t.due_date, t.completed_at,
               t.is_deleted, t.created_at, t.updated_at, t.version,
               p.id AS project_id, p.key AS project_key, p.name AS project_name,
               a.id AS assignee_id, a.full_name AS assignee_name,
               r.id AS reporter_id, r.full_name AS reporter_name,
               EXISTS (
                   SELECT 1 FROM task_watchers w WHERE w.task_id = t.id AND w.user_id = ${bound + 3}
               ) AS watching
        FROM tasks t
        JOIN projects p ON p.id = t.project_id
        LEFT JOIN users a ON a.id = t.assignee_id
        JOIN users r ON r.id = t.reporter_id
        WHERE {where}
        ORDER BY t.created_at, t.id
        OFFSET ${bound + 1} LIMIT ${bound + 2}
    """  # noqa: S608


# One text per variant (admin or member, one project or all), so asyncpg's prepared statements fit.
COUNT_SQL = {(a, p): _count_sql(admin=a, project=p) for a in (False, True) for p in (False, True)}
PAGE_SQL = {(a, p): _page_sql(admin=a, project=p) for a in (False, True) for p in (False, True)}
CALLER_SQL = "SELECT role, is_active FROM users WHERE id = $1 AND NOT is_deleted"
# Tags ordered as taskboard orders them: by name (code point, hence COLLATE "C"), then id.
TAGS_SQL = """
    SELECT tt.task_id, g.id, g.name, g.color
    FROM task_tags tt JOIN tags g ON g.id = tt.tag_id
    WHERE tt.task_id = ANY($1::uuid[])
    ORDER BY g.name COLLATE "C", g.id
"""
COMMENT_COUNTS_SQL = """
    SELECT task_id, count(*) FROM comments
    WHERE task_id = ANY($1::uuid[]) AND NOT is_deleted
    GROUP BY task_id
"""


class Auth:
    def __init__(self, secret: str, issuer: str, audience: str) -> None:
        self.secret, self.issuer, self.audience = secret, issuer, audience

    def caller_id(self, request: Request[Any, Any, Any]) -> UUID:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("a bearer token is required")
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],
                issuer=self.issuer,
                audience=self.audience,
                options={"require": REQUIRED_CLAIMS},
            )
            return UUID(claims["sub"])
        except (jwt.InvalidTokenError, ValueError):
            raise NotAuthorizedException("invalid token") from None


async def _no_reset(connection: asyncpg.Connection) -> None:
    """asyncpg resets each released connection with a round trip (unlisten, unlock, RESET ALL).

    This app sets no session state, listens to nothing and takes no advisory locks, so the reset
    would only add a statement per request that taskboard's pool does not run either.
    """


def create_app() -> Litestar:
    env = os.environ
    dsn = env["TASKBOARD_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://", 1)
    auth = Auth(
        env["TASKBOARD_SECRET_KEY"],
        env.get("TASKBOARD_TOKEN_ISSUER", "taskboard"),
        env.get("TASKBOARD_TOKEN_AUDIENCE", "taskboard-api"),
    )
    pool: asyncpg.Pool | None = None

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        nonlocal pool
        # taskboard's pool keeps 15 connections and opens none beyond them: the same.
        pool = await asyncpg.create_pool(dsn, min_size=15, max_size=15, reset=_no_reset)
        try:
            yield
        finally:
            await pool.close()

    @get("/health/live", sync_to_thread=False)
    def live() -> dict[str, str]:
        return {"status": "ok"}

    @get("/api/v1/tasks")
    async def list_tasks(
        request: Request[Any, Any, Any],
        project_id: UUID | None = None,
        offset: Annotated[int, Parameter(ge=0)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> dict[str, Any]:
        caller_id = auth.caller_id(request)
        assert pool is not None
        async with (
            pool.acquire() as connection,
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            caller = await connection.fetchrow(CALLER_SQL, caller_id)
            if caller is None or not caller["is_active"]:
                raise NotAuthorizedException("the account behind this token cannot sign in")
            admin = caller["role"] == "admin"
            variant = (admin, project_id is not None)
            parameters = [*([] if admin else [caller_id]), *([] if project_id is None else [project_id])]
            total = await connection.fetchval(COUNT_SQL[variant], *parameters)
            rows = await connection.fetch(PAGE_SQL[variant], *parameters, offset, limit, caller_id)
            ids = [row["id"] for row in rows]
            tags: dict[UUID, list[dict[str, Any]]] = {task_id: [] for task_id in ids}
            counts: dict[UUID, int] = {}
            if ids:
                for tag in await connection.fetch(TAGS_SQL, ids):
                    tags[tag["task_id"]].append({"id": tag["id"], "name": tag["name"], "color": tag["color"]})
                counts = dict(await connection.fetch(COMMENT_COUNTS_SQL, ids))
        return {
            "items": [_task(row, tags[row["id"]], counts.get(row["id"], 0)) for row in rows],
            "total": total,
            "offset": offset,
            "limit": limit,
        }

    return Litestar(route_handlers=[live, list_tasks], lifespan=[lifespan], debug=False)


def _task(row: asyncpg.Record, tags: list[dict[str, Any]], comment_count: int) -> dict[str, Any]:
    return {
        "id": row["id"],
        "key": f"{row['project_key']}-{row['number']}",
        "project": {"id": row["project_id"], "key": row["project_key"], "name": row["project_name"]},
        "title": row["title"],
        "description": row["description"],
        "status": row["status"],
        "priority": row["priority"],
        "assignee": None
        if row["assignee_id"] is None
        else {"id": row["assignee_id"], "full_name": row["assignee_name"]},
        "reporter": {"id": row["reporter_id"], "full_name": row["reporter_name"]},
        "due_date": row["due_date"],
        "completed_at": row["completed_at"],
        "tags": tags,
        "comment_count": comment_count,
        "watching": row["watching"],
        "is_deleted": row["is_deleted"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "version": row["version"],
    }
