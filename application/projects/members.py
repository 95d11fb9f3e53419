"""The membership rule every change of a project's team keeps."""

from uuid import UUID

from domain.errors import Conflict
from domain.projects import ProjectRepository


async def ensure_not_last_manager(projects: ProjectRepository, project_id: UUID, user_id: UUID) -> None:
    """Refuse to demote or remove the last manager: nobody could manage the project after it.

    `manager_ids` locks the managers' rows until the unit of work ends, so two managers demoting
    each other at once cannot both succeed.
    """
    manager_ids = await projects.manager_ids(project_id)
    if list(manager_ids) == [user_id]:
        raise Conflict("a project must keep at least one manager")
