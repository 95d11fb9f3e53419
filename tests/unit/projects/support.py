"""Reads of the memory store, each in a unit of work of its own, to check what a use case stored."""

from collections.abc import Sequence
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from domain.projects import MemberView, Project, ProjectMember, Tag


async def stored_project(store: MemoryStore, project_id: UUID) -> Project | None:
    """The project as stored, deleted or not."""
    async with InMemoryUnitOfWork(store) as uow:
        return await uow.projects.get_by_id(project_id, include_deleted=True)


async def stored_member(store: MemoryStore, project_id: UUID, user_id: UUID) -> ProjectMember | None:
    async with InMemoryUnitOfWork(store) as uow:
        return await uow.projects.get_member(project_id, user_id)


async def stored_members(store: MemoryStore, project_id: UUID) -> Sequence[MemberView]:
    async with InMemoryUnitOfWork(store) as uow:
        return await uow.projects.list_members(project_id)


async def stored_tags(store: MemoryStore, project_id: UUID) -> Sequence[Tag]:
    async with InMemoryUnitOfWork(store) as uow:
        return await uow.tags.list_for_project(project_id)
