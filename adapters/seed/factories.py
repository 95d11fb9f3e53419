"""polyfactory factories of what a seed run creates: each draws the believable parts of its entity
(names, texts, colours, priorities), and the plan passes the parts that tie entities together
(which project, who, when).

Every draw comes from `rng` and `faker`, which `reseed` resets: a plan made from the same random
seed draws the same data, ids included.
"""

import dataclasses
import functools
import random
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from faker import Faker
from polyfactory import Use
from polyfactory.factories import DataclassFactory

from domain.comments import Comment
from domain.ids import uuid7
from domain.projects import MemberRole, Project, ProjectMember, Tag
from domain.tasks import Priority, Task, TaskStatus
from domain.users import User, UserRole

# Demo data needs variety, not unpredictability.
rng = random.Random()  # noqa: S311
faker = Faker()

PRIORITY_WEIGHTS = {Priority.LOW: 25, Priority.MEDIUM: 45, Priority.HIGH: 22, Priority.URGENT: 8}
# Ids are UUIDv7s, as the API makes, of moments this far apart from the plan's start: in the order
# they are drawn, so rows still land at the right edge of the indexes.
_ID_STEP_NANOSECONDS = 250
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _Ids:
    def __init__(self) -> None:
        self._next = 0

    def restart(self, at: datetime) -> None:
        self._next = (at - _EPOCH) // timedelta(microseconds=1) * 1000

    def __call__(self) -> UUID:
        moment, self._next = self._next, self._next + _ID_STEP_NANOSECONDS
        return uuid7(moment, rng.getrandbits(62))


seeded_id = _Ids()


def reseed(random_seed: int | None, now: datetime) -> None:
    """Start the draws afresh: the same ones again for the same seed, new ones for None."""
    rng.seed(random_seed)
    faker.seed_instance(random_seed)
    seeded_id.restart(now)


@dataclasses.dataclass(frozen=True, slots=True)
class _Texts:
    project_names: tuple[str, ...]
    titles: tuple[str, ...]
    descriptions: tuple[str, ...]
    remarks: tuple[str, ...]


@functools.cache
def _texts() -> _Texts:
    """Faker text drawn once, from a Faker of its own with a fixed seed: a fresh paragraph per row
    would take most of a run, and `rng` choosing among them is variety enough."""
    writer = Faker()
    writer.seed_instance(0)
    pick = writer.random.randint
    return _Texts(
        project_names=tuple(writer.catch_phrase() for _ in range(500)),
        titles=tuple(writer.sentence(nb_words=pick(3, 9)).rstrip(".") for _ in range(3000)),
        descriptions=tuple(
            "\n\n".join(writer.paragraph(nb_sentences=pick(2, 6)) for _ in range(pick(1, 3)))
            for _ in range(1000)
        ),
        remarks=tuple(writer.paragraph(nb_sentences=pick(1, 4)) for _ in range(1500)),
    )


def some_project_name() -> str:
    return rng.choice(_texts().project_names)


def some_description() -> str:
    return rng.choice(_texts().descriptions)


def some_title() -> str:
    return rng.choice(_texts().titles)


def some_remark() -> str:
    return rng.choice(_texts().remarks)


class UserFactory(DataclassFactory[User]):
    id = Use(seeded_id)
    full_name = Use(lambda: faker.name())
    role = UserRole.MEMBER
    is_active = True
    is_deleted = False
    version = 1


class ProjectFactory(DataclassFactory[Project]):
    id = Use(seeded_id)
    name = Use(some_project_name)
    description = Use(some_description)
    is_deleted = False
    version = 1


class MemberFactory(DataclassFactory[ProjectMember]):
    role = Use(lambda: MemberRole.CONTRIBUTOR if rng.random() < 0.7 else MemberRole.VIEWER)


class TagFactory(DataclassFactory[Tag]):
    id = Use(seeded_id)
    color = Use(lambda: f"#{rng.randrange(0x1000000):06x}")


class TaskFactory(DataclassFactory[Task]):
    """A task as created (status todo); the plan then walks it through the workflow."""

    id = Use(seeded_id)
    title = Use(some_title)
    description = Use(lambda: "" if rng.random() < 0.15 else some_description())
    status = TaskStatus.TODO
    priority = Use(lambda: rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()))[0])
    completed_at = None
    is_deleted = False
    version = 1


class CommentFactory(DataclassFactory[Comment]):
    id = Use(seeded_id)
    body = Use(some_remark)
    is_deleted = False
    version = 1


T = TypeVar("T")


def build(factory: type[DataclassFactory[T]], **values: Any) -> T:
    """What `factory.build(**values)` makes, about twenty times sooner.

    polyfactory inspects every field of the model on every build (type hints, nested factories,
    Ignore, Require, PostGenerated): about 0.5 ms an entity, minutes for 100,000 tasks and their
    comments. These factories declare constants and `Use` values only and nest nothing, so their
    declarations are read once; a field neither declared nor passed fails in the model's
    constructor rather than being made up.
    """
    declared = {
        name: value.to_value() if isinstance(value, Use) else value
        for name, value in _declarations(factory).items()
        if name not in values
    }
    return factory.__model__(**declared, **values)


@functools.cache
def _declarations(factory: type[DataclassFactory[Any]]) -> dict[str, Any]:
    fields = {field.name for field in dataclasses.fields(factory.__model__)}
    return {name: value for name, value in vars(factory).items() if name in fields}
