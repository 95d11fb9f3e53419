"""Project keys are unique among live projects (task keys such as OPS-42 are built from them)."""

from uuid import UUID

from domain.errors import Conflict
from domain.projects import ProjectRepository


async def ensure_key_free(projects: ProjectRepository, key: str, *, owner: UUID | None = None) -> None:
    existing = await projects.get_by_key(key)
    if existing is not None and existing.id != owner:
        raise Conflict("a project with this key already exists", field="key")
