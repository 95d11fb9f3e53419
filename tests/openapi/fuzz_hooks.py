"""Schemathesis hooks for tests/openapi/test_fuzz.py, loaded from SCHEMATHESIS_HOOKS.

Schemathesis holds that a request valid by the document is never refused with a 4xx other than
401, 403, 404, 409 or 429. A few refusals depend on what no JSON Schema can state: what is
stored (a version, a task's status, who is a member), a pair of parameters at once, or a value
only the service can make (a signed cursor). Each is listed here with the problem the service
answers for it; a refusal of anything else still fails the run.
"""

import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import schemathesis
from schemathesis import Case, Response
from schemathesis.core.failures import AcceptedNegativeData, Failure
from schemathesis.hooks import HookContext
from schemathesis.openapi.checks import RejectedPositiveData


@dataclass(frozen=True, slots=True)
class Unstateable:
    status: int
    field: str | None
    message: str

    def explains(self, status: int, problem: dict[str, object]) -> bool:
        if status != self.status:
            return False
        if self.field is None:
            return bool(re.search(self.message, str(problem.get("detail", ""))))
        errors = problem.get("errors")
        return isinstance(errors, list) and any(
            isinstance(error, dict)
            and error.get("field") == self.field
            and re.search(self.message, str(error.get("message", "")))
            for error in errors
        )


UNSTATEABLE = [
    # The size of a body's encoding: 10,000 characters of a field may take 120 KB of JSON escapes,
    # past the body limit (TASKBOARD_MAX_BODY_BYTES).
    Unstateable(413, None, r"^Request Entity Too Large$"),
    # If-Match names a version; which one the object is at is stored, not documented.
    Unstateable(412, None, r"^the object is at version \d+, not \d+$"),
    # A cursor is one the service signed for this very query.
    Unstateable(400, "cursor", r"^is not a cursor this service issued|^was issued for another list"),
    # Two parameters that exclude each other.
    Unstateable(400, "cursor", r"^give a cursor or an offset, not both$"),
    Unstateable(422, "assignee", r"^give assignee_id or assignee=none, not both$"),
    # A key stands for the first request sent with it.
    Unstateable(422, "Idempotency-Key", r"^this Idempotency-Key was used for a different request"),
    # What the project holds: its members and tags, and the task's current status.
    Unstateable(422, "assignee_id", r"^must be a member of the task's project$"),
    Unstateable(422, "tag_ids", r"^\d+ of these tags are not tags of the project$"),
    Unstateable(422, "status", r"^a \w+ task cannot become \w+$"),
    # Bulk changes: at least one change (`minProperties`, which Litestar does not write beside the
    # `$ref` of a nested object), and no tag both added and removed.
    Unstateable(422, "changes", r"^must change at least one field$"),
    Unstateable(422, "remove_tag_ids", r"^a tag cannot be both added and removed$"),
]


def _problem(response: Response) -> dict[str, object]:
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@schemathesis.hook
def filter_failure(context: HookContext, failure: Failure, case: Case[Any], response: Response) -> bool:
    """Keep every failure but a refusal of valid data that UNSTATEABLE explains, or one of a case
    schemathesis built with an invalid part (it then still counts the case as valid), and a 413
    for invalid data (schemathesis counts refusals from a list that lacks 413)."""
    if isinstance(failure, AcceptedNegativeData):
        return response.status_code != HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    if not isinstance(failure, RejectedPositiveData):
        return True
    meta = case.meta
    if meta is not None and any(component.mode.is_negative for component in meta.components.values()):
        return False
    problem = _problem(response)
    return not any(rule.explains(response.status_code, problem) for rule in UNSTATEABLE)
