"""Text as the domain stores it: trimmed, and within the field's length."""

from domain.errors import ValidationFailed


def clean_text(raw: str, *, field: str, maximum: int, minimum: int = 1) -> str:
    """`raw` without leading and trailing white space, refused (naming `field`) when that leaves
    fewer than `minimum` or more than `maximum` characters."""
    text = raw.strip()
    if not minimum <= len(text) <= maximum:
        raise ValidationFailed(f"must have {minimum} to {maximum} characters", field=field)
    return text
