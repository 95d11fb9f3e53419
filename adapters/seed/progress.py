"""The progress bar of a seed run."""

import time
from typing import TextIO


class ProgressBar:
    """A bar redrawn in place on a terminal (at most ten times a second); elsewhere one final line."""

    WIDTH = 30

    def __init__(self, label: str, total: int, stream: TextIO | None) -> None:
        self._label, self._total, self._stream = label, total, stream
        self._live = stream is not None and stream.isatty()
        self._done = 0
        self._started = self._drawn = time.monotonic()
        if self._live:
            self._draw("\r")

    def advance(self, amount: int) -> None:
        self._done += amount
        if self._live and time.monotonic() - self._drawn >= 0.1:
            self._draw("\r")

    def finish(self) -> None:
        self._draw("\r" if self._live else "")
        if self._stream is not None:
            self._stream.write("\n")

    def _draw(self, start: str) -> None:
        if self._stream is None:
            return
        self._drawn = time.monotonic()
        fraction = self._done / self._total if self._total else 1.0
        filled = round(fraction * self.WIDTH)
        rate = self._done / max(self._drawn - self._started, 1e-6)
        self._stream.write(
            f"{start}{self._label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
            f"{self._done:,}/{self._total:,} {fraction:4.0%} {rate:,.0f}/s"
        )
        self._stream.flush()
