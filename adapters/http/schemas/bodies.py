"""Request bodies are closed JSON objects, in the service and in its OpenAPI document alike."""

from typing import Annotated, TypeAlias, TypeVar

from litestar.enums import RequestEncodingType
from litestar.params import Body

T = TypeVar("T")

# The Structs set forbid_unknown_fields, so the service answers 422 to a field it does not know;
# adapters/http/openapi.py (ClosedStructSchemas) documents each of them, nested ones too, as an
# object with no other properties.
ClosedJSONBody: TypeAlias = Annotated[T, Body(media_type=RequestEncodingType.JSON)]
