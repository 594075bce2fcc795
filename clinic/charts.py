"""A patient's mood, energy and anxiety over time as server-rendered SVG: no JavaScript, nothing from a CDN."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter
from typing import Protocol

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

SCALE = (1, 10)  # the range the check_ins_*_range constraints allow
SERIES = (("mood", "Mood", "#2e7d32"), ("energy", "Energy", "#1565c0"), ("anxiety", "Anxiety", "#c62828"))
WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 36, 110, 14, 40  # margins; the legend sits in the right one
DATE_LABELS = 5
MARKER_LIMIT = 62  # dots on each check-in up to about two months; beyond that they would only blur the lines


class CheckInLike(Protocol):
    checkin_date: date
    mood: int
    energy: int
    anxiety: int


@dataclass(frozen=True)
class Chart:
    """Where everything goes, in SVG user units: series name -> (x, y) points, oldest first, and axis labels."""

    series: dict[str, list[tuple[float, float]]]
    date_labels: list[tuple[float, date]]
    value_labels: list[tuple[float, int]]
    first: date
    last: date


def chart_geometry(checkins: Iterable[CheckInLike]) -> Chart | None:
    """Place each check-in: x from its date (gaps stay visible), y from its value (higher is nearer the top)."""
    rows = sorted(checkins, key=attrgetter("checkin_date"))
    if not rows:
        return None
    first, last = rows[0].checkin_date, rows[-1].checkin_date
    span_days = max((last - first).days, 1)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return round(LEFT + (day - first).days / span_days * plot_width, 1)

    def y(value: int) -> float:
        return round(TOP + (SCALE[1] - value) / (SCALE[1] - SCALE[0]) * plot_height, 1)

    label_days = sorted({first + timedelta(days=round(i * span_days / (DATE_LABELS - 1))) for i in range(DATE_LABELS)})
    return Chart(
        series={name: [(x(row.checkin_date), y(getattr(row, name))) for row in rows] for name, _, _ in SERIES},
        date_labels=[(x(day), day) for day in label_days if day <= last],
        value_labels=[(y(value), value) for value in range(SCALE[0], SCALE[1] + 1)],
        first=first,
        last=last,
    )


def checkin_chart_svg(checkins: Iterable[CheckInLike]) -> SafeString:
    """The chart as an inline <svg class="mood-chart">, or an empty string when there are no check-ins."""
    chart = chart_geometry(checkins)
    if chart is None:
        return mark_safe("")
    points = len(chart.series["mood"])
    right = WIDTH - RIGHT
    grid = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd" stroke-width="1"/>'
        '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
        ((LEFT, y, right, y, LEFT - 6, y, value) for y, value in chart.value_labels),
    )
    dates = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/><text x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (x, HEIGHT - BOTTOM, x, HEIGHT - BOTTOM + 4, x, HEIGHT - BOTTOM + 18, day.isoformat())
            for x, day in chart.date_labels
        ),
    )
    lines = format_html_join(
        "",
        '<g class="series" data-series="{}" aria-label="{}"><polyline points="{}" fill="none" stroke="{}" '
        'stroke-width="2" stroke-linejoin="round"/>{}</g>',
        (
            (name, label, _points(chart.series[name]), color, _markers(chart.series[name], color))
            for name, label, color in SERIES
        ),
    )
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="14" height="4" fill="{}"/><text x="{}" y="{}" dominant-baseline="middle">{}</text>',
        (
            (right + 14, TOP + 8 + 22 * i, color, right + 34, TOP + 10 + 22 * i, label)
            for i, (_, label, color) in enumerate(SERIES)
        ),
    )
    title = f"Mood, energy and anxiety of {points} check-ins from {chart.first} to {chart.last}"
    return format_html(
        '<svg class="mood-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}" data-points="{}" style="width: 100%; max-width: {}px; height: auto; font: 11px sans-serif">'
        "<title>{}</title>"
        '<g class="value-axis" fill="#555">{}</g>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>'
        '<g class="date-axis" fill="#555">{}</g>'
        "{}"
        '<g class="legend" fill="#333">{}</g>'
        "</svg>",
        WIDTH,
        HEIGHT,
        title,
        points,
        WIDTH,
        title,
        grid,
        LEFT,
        HEIGHT - BOTTOM,
        right,
        HEIGHT - BOTTOM,
        dates,
        lines,
        legend,
    )


def _points(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def _markers(points: list[tuple[float, float]], color: str) -> SafeString:
    if len(points) > MARKER_LIMIT:
        return mark_safe("")
    return format_html_join("", '<circle cx="{}" cy="{}" r="2.5" fill="{}"/>', ((x, y, color) for x, y in points))
