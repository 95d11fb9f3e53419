"""Fixtures for the comment use-case tests: see tests/unit/team.py."""

from tests.unit.team import (  # noqa: F401 (fixtures are found by name)
    admin,
    contributor,
    manager,
    outsider,
    people,
    project,
    viewer,
    world,
)
