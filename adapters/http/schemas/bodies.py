"""Request bodies are closed JSON objects, in the service and in its OpenAPI document alike."""

from typing import Annotated, TypeAlias, TypeVar

from litestar.enums import RequestEncodingType
from litestar.params import Body

T = TypeVar("T")

# The Structs set forbid_unknown_fields, so the service answers 422 to a field it does not know.
# Litestar's document would still allow any extra field; this says what the service really does.
ClosedJSONBody: TypeAlias = Annotated[
    T, Body(media_type=RequestEncodingType.JSON, schema_extra={"additionalProperties": False})
]
