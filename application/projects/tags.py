"""Finding a project's tag, and keeping tag names unique per project."""

from uuid import UUID

from domain.errors import Conflict, NotFound
from domain.projects import Tag, TagRepository
from domain.unit_of_work import UnitOfWork


async def load_tag(uow: UnitOfWork, project_id: UUID, tag_id: UUID) -> Tag:
    """A tag of the given project; a tag of another project is 'not found', as an unknown id."""
    tag = await uow.tags.get_by_id(tag_id)
    if tag is None or tag.project_id != project_id:
        raise NotFound("tag not found")
    return tag


async def ensure_tag_name_free(tags: TagRepository, tag: Tag) -> None:
    """Tag names are unique per project, ignoring case; a tag may change the case of its own name."""
    for existing in await tags.find_by_names(tag.project_id, [tag.name]):
        if existing.id != tag.id:
            raise Conflict("the project already has a tag with this name", field="name")
