"""The app as uvicorn serves it in tests/openapi/test_fuzz.py: built from the environment like
`taskboard serve` builds it, with argon2 at the test cost the in-process HTTP tests use.

Argon2id at its production cost takes up to a second per hash on a busy two-core machine, and a
fuzzer registers users and signs in hundreds of times.
"""

from litestar import Litestar

from adapters.composition import create_app
from tests.conftest import FastHashingProvider


def app_with_fast_hashing() -> Litestar:
    return create_app(None, FastHashingProvider())
