from datetime import UTC, datetime


class UtcClock:
    """Wall-clock time in UTC with microseconds: every adapter stores exactly these instants."""

    def now(self) -> datetime:
        return datetime.now(UTC)
