"""The seed command's progress: a tqdm bar on a terminal, plain lines otherwise, silence at verbosity 0."""

from seeding.request import KIND_LABELS
from seeding.service import Progress

LINES_PER_KIND = 10
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n:,}/{total:,} rows [{elapsed}]"


class ProgressPrinter:
    """Each kind's total is the first one reported; lines and bars never revise it, the last line gives the rows."""

    def __init__(self, stream, *, verbosity: int = 1) -> None:
        self._stream = stream  # the command's OutputWrapper
        self._verbosity = verbosity
        self._bars: dict = {}
        self._totals: dict[str, int] = {}
        self._last_done: dict[str, int] = {}

    def __call__(self, update: Progress) -> None:
        if self._verbosity == 0 or update.total == 0:
            return
        total = self._totals.setdefault(update.entity, update.total)
        label = KIND_LABELS.get(update.entity, (update.entity,) * 2)[1]
        if self._stream.isatty():
            self._advance_bar(update, label, total)
        elif self._is_worth_a_line(update, total):
            self._last_done[update.entity] = update.done
            if update.done == update.total:
                self._stream.write(f"{label}: {update.done:,} rows")
            else:
                percent = min(update.done * 100 // total, 99)
                self._stream.write(f"{label}: {update.done:,}/{total:,} rows ({percent}%)")

    def _advance_bar(self, update: Progress, label: str, total: int) -> None:
        from tqdm import tqdm

        bar = self._bars.get(update.entity)
        if bar is None:
            bar = self._bars[update.entity] = tqdm(
                total=total, desc=label, bar_format=BAR_FORMAT, file=_Terminal(self._stream)
            )
        bar.update(update.done - bar.n)
        if update.done == update.total:
            bar.total = update.done  # an estimated total ends on the rows actually written
            bar.close()

    def _is_worth_a_line(self, update: Progress, total: int) -> bool:
        """About ten lines per kind, and the last one."""
        last_done = self._last_done.get(update.entity, 0)
        if update.done == update.total:
            return True
        return update.done - last_done >= total / LINES_PER_KIND


class _Terminal:
    """The stream tqdm draws on: the command's own, written without the line ending it adds to each message."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> None:
        self._stream.write(text, ending="")

    def flush(self) -> None:
        self._stream.flush()
