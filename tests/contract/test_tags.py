"""TagRepository: the same behaviour on memory, SQLite and PostgreSQL."""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.clock import UtcClock
from application.projects.create_tag import CreateTag, CreateTagCommand
from domain.errors import Conflict
from domain.ids import new_id
from domain.projects import Project, Tag
from domain.users import User
from tests.conftest import UnitOfWorkFactory
from tests.contract.task_world import World

T0 = datetime(2026, 4, 1, 8, 0, 0, 250000, tzinfo=UTC)


def build_tag(project: Project, name: str, color: str = "#1e90ff") -> Tag:
    return Tag.create(id=new_id(), project_id=project.id, name=name, color=color, now=T0)


async def store(uow_factory: UnitOfWorkFactory, *tags: Tag) -> None:
    async with uow_factory() as uow:
        for tag in tags:
            await uow.tags.create(tag)


async def update(uow_factory: UnitOfWorkFactory, tag: Tag) -> None:
    async with uow_factory() as uow:
        await uow.tags.update(tag)


async def fetch(uow_factory: UnitOfWorkFactory, tag_id: UUID) -> Tag | None:
    async with uow_factory() as uow:
        return await uow.tags.get_by_id(tag_id)


async def names(uow_factory: UnitOfWorkFactory, project_id: UUID) -> list[str]:
    async with uow_factory() as uow:
        return [tag.name for tag in await uow.tags.list_for_project(project_id)]


async def found(uow_factory: UnitOfWorkFactory, project_id: UUID, wanted: Sequence[str]) -> list[str]:
    async with uow_factory() as uow:
        return [tag.name for tag in await uow.tags.find_by_names(project_id, wanted)]


async def test_created_tag_reads_back_equal(uow_factory: UnitOfWorkFactory, project: Project) -> None:
    tag = build_tag(project, "Ärger im Büro", "#abcdef")
    tag.updated_at = T0 + timedelta(microseconds=3)
    await store(uow_factory, tag)

    assert await fetch(uow_factory, tag.id) == tag
    assert await fetch(uow_factory, new_id()) is None


async def test_tags_are_listed_by_name_code_point_per_project(
    uow_factory: UnitOfWorkFactory, world: World, manager: User, project: Project
) -> None:
    other = await world.project(manager)
    await store(
        uow_factory, *(build_tag(project, name) for name in ["ops", "Zebra", "Ärger", "bug", "Alpha"])
    )
    await store(uow_factory, build_tag(other, "elsewhere"))

    assert await names(uow_factory, project.id) == ["Alpha", "Zebra", "bug", "ops", "Ärger"]
    assert await names(uow_factory, other.id) == ["elsewhere"]


@pytest.mark.parametrize(("first", "second"), [("bug", "BUG"), ("Ärger", "ärger"), ("straße", "STRASSE")])
async def test_names_are_unique_in_a_project_ignoring_case(
    uow_factory: UnitOfWorkFactory, project: Project, first: str, second: str
) -> None:
    await store(uow_factory, build_tag(project, first))

    with pytest.raises(Conflict) as caught:
        await store(uow_factory, build_tag(project, second))

    assert caught.value.field == "name"
    assert await names(uow_factory, project.id) == [first]


async def test_two_projects_may_have_tags_of_one_name(
    uow_factory: UnitOfWorkFactory, world: World, manager: User, project: Project
) -> None:
    other = await world.project(manager)

    await store(uow_factory, build_tag(project, "bug"), build_tag(other, "Bug"))

    assert (await names(uow_factory, project.id), await names(uow_factory, other.id)) == (["bug"], ["Bug"])


async def test_tags_are_found_by_name_ignoring_case(uow_factory: UnitOfWorkFactory, project: Project) -> None:
    await store(uow_factory, *(build_tag(project, name) for name in ["bug", "Ärger", "straße", "feature"]))

    assert await found(uow_factory, project.id, ["BUG", "ärger", "STRASSE", "missing"]) == [
        "bug",
        "straße",
        "Ärger",
    ]
    assert await found(uow_factory, project.id, []) == []
    assert await found(uow_factory, new_id(), ["bug"]) == []


async def test_rename_and_recolour_are_stored(uow_factory: UnitOfWorkFactory, project: Project) -> None:
    tag = build_tag(project, "bug")
    await store(uow_factory, tag)

    tag.change(name="BUG", color="#000000", now=T0 + timedelta(hours=1))
    await update(uow_factory, tag)

    assert await fetch(uow_factory, tag.id) == tag
    assert await found(uow_factory, project.id, ["bug"]) == ["BUG"]


async def test_renaming_onto_another_tags_name_is_a_conflict(
    uow_factory: UnitOfWorkFactory, project: Project
) -> None:
    bug, feature = build_tag(project, "bug"), build_tag(project, "feature")
    await store(uow_factory, bug, feature)
    feature.change(name="Bug", color=None, now=T0)

    with pytest.raises(Conflict) as caught:
        await update(uow_factory, feature)

    assert caught.value.field == "name"
    assert await names(uow_factory, project.id) == ["bug", "feature"]


async def test_tags_of_a_deleted_project_are_invisible_until_it_is_restored(
    uow_factory: UnitOfWorkFactory, world: World, project: Project
) -> None:
    tag = build_tag(project, "bug")
    await store(uow_factory, tag)

    await world.delete_project(project)

    assert await fetch(uow_factory, tag.id) is None
    assert await names(uow_factory, project.id) == []
    assert await found(uow_factory, project.id, ["bug"]) == []

    await world.restore_project(project)

    assert await fetch(uow_factory, tag.id) == tag
    assert await names(uow_factory, project.id) == ["bug"]


async def test_deleting_a_tag_takes_it_off_every_task_and_nothing_else(
    uow_factory: UnitOfWorkFactory, world: World, manager: User, project: Project
) -> None:
    bug, urgent = build_tag(project, "bug"), build_tag(project, "urgent")
    await store(uow_factory, bug, urgent)
    both = await world.task(project, manager, tags=[bug, urgent])
    only_bug = await world.task(project, manager, tags=[bug])
    deleted = await world.task(project, manager, tags=[bug], is_deleted=True)

    await world.delete_tag(bug)

    assert await fetch(uow_factory, bug.id) is None
    assert await names(uow_factory, project.id) == ["urgent"]
    for task, expected in [(both, {urgent.id}), (only_bug, set()), (deleted, set())]:
        stored = await world.stored_task(task.id)
        assert stored is not None
        assert stored.tag_ids == frozenset(expected)
        # Only the links go: the task itself is not changed (no new version).
        assert (stored.version, stored.updated_at) == (task.version, task.updated_at)


async def test_concurrent_creates_of_one_name_store_exactly_one_tag(
    uow_factory: UnitOfWorkFactory, world: World, project: Project
) -> None:
    writers = [await world.member(project) for _ in range(6)]

    async def create(writer: User, n: int) -> Tag:
        name = "Ärger" if n % 2 else "ärger"
        command = CreateTagCommand(writer.as_actor(), project.id, name, "#ff0000")
        return await CreateTag(uow_factory(), UtcClock()).execute(command)

    results = await asyncio.gather(*(create(w, n) for n, w in enumerate(writers)), return_exceptions=True)

    winners = [result for result in results if isinstance(result, Tag)]
    losers = [result for result in results if not isinstance(result, Tag)]
    assert len(winners) == 1
    assert all(isinstance(loser, Conflict) and loser.field == "name" for loser in losers), losers
    assert await names(uow_factory, project.id) == [winners[0].name]
