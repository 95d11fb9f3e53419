"""Patterns of text as the service reads it, stated in the OpenAPI document and checked by msgspec.

Each is no wider than the domain's own rule for the same text, so whatever matches is accepted.
They are read by Python's `re` here and by ECMA-262 engines in clients, whose `\\s` differ (Python's
has U+001C to U+001F and U+0085, ECMA-262's has U+FEFF): white space is spelled out as the
characters `str.strip()` and `str.split()` remove, so both read the same pattern alike.
"""

WHITE_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# adapters/http/reading.py refuses a NUL character in any string of a body or a query.
WITHOUT_NUL = r"^[^\x00]*$"
# The domain trims text before it counts it (domain/text.py): a title of spaces alone is empty.
NOT_BLANK = rf"^[{WHITE_SPACE}]*[^{WHITE_SPACE}\x00][^\x00]*$"
