import pytest

from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import InMemoryUnitOfWork
from application.projects.create_tag import CreateTag, CreateTagCommand
from application.projects.delete_tag import DeleteTag, DeleteTagCommand
from application.projects.list_tags import ListTags, ListTagsQuery
from application.projects.update_tag import UpdateTag, UpdateTagCommand
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.projects import Project, Tag
from domain.users import User
from tests.contract.task_world import World
from tests.unit.fakes import FakeClock
from tests.unit.projects.support import stored_tags


@pytest.fixture
def create(uow: InMemoryUnitOfWork, clock: FakeClock) -> CreateTag:
    return CreateTag(uow, clock)


@pytest.fixture
def update(uow: InMemoryUnitOfWork, clock: FakeClock) -> UpdateTag:
    return UpdateTag(uow, clock)


@pytest.fixture
def delete(uow: InMemoryUnitOfWork, clock: FakeClock) -> DeleteTag:
    return DeleteTag(uow, clock)


@pytest.fixture
async def bug(world: World, project: Project) -> Tag:
    return await world.tag(project, "bug", "#ff0000")


async def test_contributor_creates_a_tag_with_a_lower_case_colour(
    create: CreateTag, project: Project, contributor: User, store: MemoryStore, clock: FakeClock
) -> None:
    tag = await create.execute(
        CreateTagCommand(contributor.as_actor(), project.id, " Needs review ", "#1E90FF")
    )

    assert (tag.project_id, tag.name, tag.color) == (project.id, "Needs review", "#1e90ff")
    assert (tag.created_at, tag.updated_at) == (clock.now(), clock.now())
    assert await stored_tags(store, project.id) == [tag]


async def test_admin_who_is_no_member_may_create_tags(
    create: CreateTag, project: Project, admin: User
) -> None:
    tag = await create.execute(CreateTagCommand(admin.as_actor(), project.id, "infra", "#00ff00"))

    assert tag.name == "infra"


async def test_viewer_may_not_create_tags_and_outsider_gets_not_found(
    create: CreateTag, project: Project, viewer: User, outsider: User, store: MemoryStore
) -> None:
    with pytest.raises(PermissionDenied):
        await create.execute(CreateTagCommand(viewer.as_actor(), project.id, "mine", "#000000"))
    with pytest.raises(NotFound):
        await create.execute(CreateTagCommand(outsider.as_actor(), project.id, "mine", "#000000"))

    assert await stored_tags(store, project.id) == []


@pytest.mark.parametrize(("existing", "name"), [("bug", "BUG"), ("Ärger", "ärger"), ("straße", "STRASSE")])
async def test_tag_names_are_unique_in_a_project_ignoring_case(
    create: CreateTag,
    world: World,
    project: Project,
    manager: User,
    store: MemoryStore,
    existing: str,
    name: str,
) -> None:
    tag = await world.tag(project, existing)

    with pytest.raises(Conflict) as caught:
        await create.execute(CreateTagCommand(manager.as_actor(), project.id, name, "#123456"))

    assert caught.value.field == "name"
    assert await stored_tags(store, project.id) == [tag]


async def test_another_project_may_use_the_same_name(
    create: CreateTag, world: World, project: Project, bug: Tag
) -> None:
    lead = await world.user()
    other = await world.project(lead)

    tag = await create.execute(CreateTagCommand(lead.as_actor(), other.id, "Bug", "#ff0000"))

    assert tag.project_id == other.id


@pytest.mark.parametrize(("name", "color", "field"), [("", "#ffffff", "name"), ("ok", "red", "color")])
async def test_malformed_tags_are_refused(
    create: CreateTag, project: Project, manager: User, name: str, color: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await create.execute(CreateTagCommand(manager.as_actor(), project.id, name, color))

    assert caught.value.field == field


async def test_every_member_lists_the_tags_by_name(
    world: World, uow: InMemoryUnitOfWork, project: Project, viewer: User, outsider: User
) -> None:
    names = ["ops", "Zebra", "bug", "Alpha"]
    for name in names:
        await world.tag(project, name)

    tags = await ListTags(uow).execute(ListTagsQuery(viewer.as_actor(), project.id))

    assert [tag.name for tag in tags] == ["Alpha", "Zebra", "bug", "ops"]
    with pytest.raises(NotFound):
        await ListTags(uow).execute(ListTagsQuery(outsider.as_actor(), project.id))


async def test_tags_of_a_deleted_project_are_not_found(
    world: World, uow: InMemoryUnitOfWork, update: UpdateTag, project: Project, manager: User, bug: Tag
) -> None:
    await world.delete_project(project)

    with pytest.raises(NotFound):
        await ListTags(uow).execute(ListTagsQuery(manager.as_actor(), project.id))
    with pytest.raises(NotFound):
        await update.execute(UpdateTagCommand(manager.as_actor(), project.id, bug.id, name="feature"))


async def test_contributor_renames_and_recolours_a_tag(
    update: UpdateTag, project: Project, contributor: User, bug: Tag, store: MemoryStore, clock: FakeClock
) -> None:
    later = clock.advance()

    tag = await update.execute(
        UpdateTagCommand(contributor.as_actor(), project.id, bug.id, name="defect", color="#AA0000")
    )

    assert (tag.id, tag.name, tag.color, tag.created_at, tag.updated_at) == (
        bug.id,
        "defect",
        "#aa0000",
        bug.created_at,
        later,
    )
    assert await stored_tags(store, project.id) == [tag]


async def test_a_tag_may_change_the_case_of_its_own_name(
    update: UpdateTag, project: Project, manager: User, bug: Tag
) -> None:
    tag = await update.execute(UpdateTagCommand(manager.as_actor(), project.id, bug.id, name="BUG"))

    assert tag.name == "BUG"


async def test_renaming_onto_another_tags_name_is_a_conflict(
    update: UpdateTag, world: World, project: Project, manager: User, bug: Tag, store: MemoryStore
) -> None:
    feature = await world.tag(project, "feature")

    with pytest.raises(Conflict) as caught:
        await update.execute(UpdateTagCommand(manager.as_actor(), project.id, feature.id, name="Bug"))

    assert caught.value.field == "name"
    assert await stored_tags(store, project.id) == [bug, feature]


async def test_viewer_may_not_change_tags(
    update: UpdateTag, delete: DeleteTag, project: Project, viewer: User, bug: Tag, store: MemoryStore
) -> None:
    with pytest.raises(PermissionDenied):
        await update.execute(UpdateTagCommand(viewer.as_actor(), project.id, bug.id, name="mine"))
    with pytest.raises(PermissionDenied):
        await delete.execute(DeleteTagCommand(viewer.as_actor(), project.id, bug.id))

    assert await stored_tags(store, project.id) == [bug]


async def test_a_tag_is_not_found_through_another_project(
    update: UpdateTag, delete: DeleteTag, world: World, project: Project, bug: Tag
) -> None:
    lead = await world.user()
    other = await world.project(lead)

    with pytest.raises(NotFound):
        await update.execute(UpdateTagCommand(lead.as_actor(), other.id, bug.id, name="stolen"))
    with pytest.raises(NotFound):
        await delete.execute(DeleteTagCommand(lead.as_actor(), other.id, bug.id))


async def test_deleting_a_tag_takes_it_off_every_task(
    delete: DeleteTag, world: World, project: Project, contributor: User, bug: Tag, store: MemoryStore
) -> None:
    urgent = await world.tag(project, "urgent")
    tagged = await world.task(project, contributor, tags=[bug, urgent])
    only_bug = await world.task(project, contributor, tags=[bug])

    await delete.execute(DeleteTagCommand(contributor.as_actor(), project.id, bug.id))

    assert await stored_tags(store, project.id) == [urgent]
    first, second = await world.stored_task(tagged.id), await world.stored_task(only_bug.id)
    assert first is not None
    assert second is not None
    assert (first.tag_ids, second.tag_ids) == (frozenset({urgent.id}), frozenset())
