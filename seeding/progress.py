"""Progress output for the command: a tqdm bar on a terminal, plain lines otherwise, silence at verbosity 0."""

from seeding.service import Progress


class ProgressPrinter:
    def __init__(self, stream, *, verbosity: int = 1) -> None:
        self._stream = stream
        self._verbosity = verbosity
        self._bars: dict = {}
        self._last_line: dict[str, tuple[int, int]] = {}

    def __call__(self, update: Progress) -> None:
        if self._verbosity == 0 or update.total == 0:
            return
        # A generator's total is an estimate when its units vary in size (schedules, for example).
        update = Progress(update.entity, update.done, max(update.total, update.done))
        if self._stream.isatty():
            self._advance_bar(update)
        elif self._is_worth_a_line(update):
            self._last_line[update.entity] = (update.done, update.total)
            self._stream.write(
                f"{update.entity}: {update.done}/{update.total} rows ({update.done * 100 // update.total}%)"
            )

    def _advance_bar(self, update: Progress) -> None:
        from tqdm import tqdm

        bar = self._bars.get(update.entity)
        if bar is None:
            bar = self._bars[update.entity] = tqdm(
                total=update.total, desc=update.entity, unit="rows", unit_scale=True, file=self._stream._out
            )
        bar.total = update.total
        bar.update(update.done - bar.n)
        if update.done >= update.total:
            bar.close()

    def _is_worth_a_line(self, update: Progress) -> bool:
        """About ten lines per entity, and the last one."""
        last_done, last_total = self._last_line.get(update.entity, (0, 0))
        if update.done == update.total:
            return (update.done, update.total) != (last_done, last_total)
        return update.done - last_done >= update.total / 10
