"""The validation report's pictures as server-rendered SVG (no JavaScript, nothing from a CDN).

Each function takes the report's PatternPictures and returns an inline <svg> (the admin's report page);
report_svg_files() makes each a standalone SVG file (what `seed_report --svg-dir` writes).
"""

from collections.abc import Iterable, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from seeding.report import AUTOCORRELATION_LAGS, PatternPictures, RunReport

COLORS = {"stable": "#2e7d32", "cycling": "#6a1b9a", "random": "#ef6c00"}
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 100, 28, 36
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EXAMPLE_BANDS = 3  # example series shown: spread over the patterns, at least one of each
PlotPoints = Sequence[tuple[float, float]]


def _frame(
    title: str, css_class: str, body: SafeString, y_labels: list[tuple[float, str]], x_labels, legend
) -> SafeString:
    """One chart: its title, axes with labels, the body and a legend of (label, color)."""
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    y_axis = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end" '
        'dominant-baseline="middle">{}</text>',
        ((LEFT, y, right, y, LEFT - 5, y, label) for y, label in y_labels),
    )
    x_axis = format_html_join(
        "", '<text x="{}" y="{}" text-anchor="middle">{}</text>', ((x, bottom + 16, label) for x, label in x_labels)
    )
    keys = format_html_join(
        "",
        '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
        '<text x="{}" y="{}" dominant-baseline="middle">{}</text>',
        (
            (right + 12, TOP + 20 * i, color, right + 30, TOP + 6 + 20 * i, label)
            for i, (label, color) in enumerate(legend)
        ),
    )
    return format_html(
        '<svg class="report-chart {}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" height="{}" '
        'role="img" aria-label="{}" style="font: 11px sans-serif">'
        '<title>{}</title><text x="{}" y="16" font-weight="bold">{}</text>'
        '<g fill="#555">{}</g><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/><g fill="#555">{}</g>{}'
        '<g fill="#333">{}</g></svg>',
        css_class, WIDTH, HEIGHT, WIDTH, HEIGHT, title, title, LEFT, title,
        y_axis, LEFT, bottom, right, bottom, x_axis, body, keys,
    )  # fmt: skip


def _scale(value: float, low: float, high: float) -> float:
    """A value's y in the plot area (higher values nearer the top)."""
    return round(TOP + (high - value) / (high - low) * (HEIGHT - TOP - BOTTOM), 1)


def _x(position: float, count: float) -> float:
    return round(LEFT + position / count * (WIDTH - LEFT - RIGHT), 1)


def _polyline(points: PlotPoints, color: str, pattern: str) -> SafeString:
    text = " ".join(f"{x:g},{y:g}" for x, y in points)
    return format_html(
        '<polyline data-pattern="{}" points="{}" fill="none" stroke="{}" stroke-width="2"/>', pattern, text, color
    )


def _joined(parts: Iterable[SafeString]) -> SafeString:
    return mark_safe("".join(parts))  # each part is already escaped


def _legend(pictures: Sequence[PatternPictures]) -> list[tuple[str, str]]:
    return [(f"{p.pattern} ({p.patients})", COLORS[p.pattern]) for p in pictures]


def distribution_svg(pictures: Sequence[PatternPictures]) -> SafeString:
    """The share of check-ins at each mood, 1 to 10, side by side per pattern."""
    top = max([0.1, *(share for p in pictures for share in p.mood_shares)])
    slot = (WIDTH - LEFT - RIGHT) / 10
    bar = slot * 0.8 / max(1, len(pictures))
    bars = format_html_join(
        "",
        '<rect data-pattern="{}" x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
        (
            (
                p.pattern,
                round(LEFT + slot * mood + slot * 0.1 + bar * i, 1),
                _scale(share, 0, top),
                round(bar, 1),
                round(_scale(0, 0, top) - _scale(share, 0, top), 1),
                COLORS[p.pattern],
            )
            for i, p in enumerate(pictures)
            for mood, share in enumerate(p.mood_shares)
        ),
    )
    y_labels = [(_scale(top * k / 4, 0, top), f"{top * k / 4:.0%}") for k in range(5)]
    x_labels = [(round(LEFT + slot * (mood + 0.5), 1), mood + 1) for mood in range(10)]
    return _frame("Mood distribution", "distribution", bars, y_labels, x_labels, _legend(pictures))


def autocorrelation_svg(pictures: Sequence[PatternPictures]) -> SafeString:
    """Mean autocorrelation of mood by lag in days: inertia decays within days, episodes over weeks."""
    count = len(AUTOCORRELATION_LAGS) - 1
    lines = _joined(
        _polyline(
            [(_x(i, count), _scale(value, -0.2, 1)) for i, value in enumerate(p.autocorrelation)],
            COLORS[p.pattern],
            p.pattern,
        )
        for p in pictures
    )
    y_labels = [(_scale(value, -0.2, 1), f"{value:.1f}") for value in (-0.2, 0, 0.2, 0.4, 0.6, 0.8, 1.0)]
    x_labels = [(_x(i, count), lag) for i, lag in enumerate(AUTOCORRELATION_LAGS) if lag in (1, 7, 14, 21, 28)]
    return _frame("Autocorrelation by lag (days)", "autocorrelation", lines, y_labels, x_labels, _legend(pictures))


def weekday_svg(pictures: Sequence[PatternPictures]) -> SafeString:
    """Mean mood by weekday, as a difference from each pattern's own mean."""
    lines = _joined(
        _polyline(
            [
                (_x(day + 0.5, 7), _scale(mean - sum(p.weekday_means) / 7, -0.6, 0.6))
                for day, mean in enumerate(p.weekday_means)
            ],
            COLORS[p.pattern],
            p.pattern,
        )
        for p in pictures
    )
    y_labels = [(_scale(value, -0.6, 0.6), f"{value:+.1f}") for value in (-0.6, -0.3, 0, 0.3, 0.6)]
    x_labels = [(_x(day + 0.5, 7), name) for day, name in enumerate(WEEKDAYS)]
    return _frame(
        "Mean mood by weekday (difference from the mean)", "weekdays", lines, y_labels, x_labels, _legend(pictures)
    )


def examples_svg(pictures: Sequence[PatternPictures]) -> SafeString:
    """A few patients over their last days of check-ins, each in a band of its own (1 to 10)."""
    per_pattern = max(1, EXAMPLE_BANDS // max(1, len(pictures)))
    series = [(p.pattern, example) for p in pictures for example in p.examples[:per_pattern] if example]
    if not series:
        return mark_safe("")
    first = min(example[0][0] for _, example in series)
    last = max(example[-1][0] for _, example in series)
    span = max(1, (last - first).days)
    band = (HEIGHT - TOP - BOTTOM) / len(series)
    lines, y_labels = [], []
    for index, (pattern, example) in enumerate(series):
        top = TOP + band * index

        def y(mood: int, top: float = top) -> float:
            return round(top + 4 + (10 - mood) / 9 * (band - 8), 1)

        lines.append(
            _polyline([(_x((day - first).days, span), y(mood)) for day, mood in example], COLORS[pattern], pattern)
        )
        y_labels += [(y(10), "10"), (y(1), "1")]
    legend = [(pattern, COLORS[pattern]) for pattern, _ in series]
    x_labels = [(_x(0, span), first.isoformat()), (_x(span, span), last.isoformat())]
    legend = list(dict.fromkeys(legend))
    return _frame("Example patients' mood", "examples", _joined(lines), y_labels, x_labels, legend)


CHARTS = {
    "mood-distribution": distribution_svg,
    "autocorrelation": autocorrelation_svg,
    "weekday-means": weekday_svg,
    "example-patients": examples_svg,
}


def report_charts(report: RunReport) -> list[SafeString]:
    return [chart(report.pictures) for chart in CHARTS.values()] if report.pictures else []


def report_svg_files(report: RunReport) -> dict[str, str]:
    """Each chart of the report as a standalone SVG document, by file name."""
    if not report.pictures:
        return {}
    background = '</title><rect width="100%" height="100%" fill="#fff"/>'  # readable on a dark page too
    header = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return {
        f"{name}.svg": header + chart(report.pictures).replace("</title>", background, 1) + "\n"
        for name, chart in CHARTS.items()
    }
