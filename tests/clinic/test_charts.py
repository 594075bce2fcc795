import re
import statistics
from datetime import date, timedelta
from random import Random

from clinic.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, chart_geometry, checkin_chart_svg
from clinic.models import CheckIn
from seeding.generators.checkins import mood_series

START = date(2024, 3, 1)


def _checkins(moods, *, energy=5, anxiety=5, start=START, step=1):
    return [
        CheckIn(checkin_date=start + timedelta(days=step * day), mood=mood, energy=energy, anxiety=anxiety)
        for day, mood in enumerate(moods)
    ]


def _polyline(svg: str, series: str) -> list[tuple[float, float]]:
    points = re.search(rf'data-series="{series}".*?points="([^"]*)"', svg).group(1)
    return [tuple(float(v) for v in pair.split(",")) for pair in points.split()]


def test_higher_value_is_drawn_higher():
    chart = chart_geometry(_checkins([2, 9, 5]))

    (_, low), (_, high), (_, middle) = chart.series["mood"]
    assert high < middle < low


def test_scale_ends_touch_the_plot_edges():
    chart = chart_geometry(_checkins([1, 10]))

    ys = [y for _, y in chart.series["mood"]]
    assert max(ys) - min(ys) == HEIGHT - TOP - BOTTOM  # the whole plot height


def test_one_point_per_check_in_in_every_series():
    svg = checkin_chart_svg(_checkins([3] * 17))

    for series in ("mood", "energy", "anxiety"):
        assert len(_polyline(svg, series)) == 17
    assert 'data-points="17"' in svg


def test_points_run_left_to_right_by_date_whatever_the_input_order():
    checkins = _checkins([1, 2, 3, 4])
    chart = chart_geometry(reversed(checkins))

    xs = [x for x, _ in chart.series["mood"]]
    assert xs == sorted(xs)
    assert xs[0] == LEFT
    assert xs[-1] == WIDTH - RIGHT
    assert [y for _, y in chart.series["mood"]] == sorted((y for _, y in chart.series["mood"]), reverse=True)


def test_missing_days_leave_a_gap():
    checkins = [*_checkins([5, 5]), *_checkins([5], start=START + timedelta(days=10))]

    xs = [x for x, _ in chart_geometry(checkins).series["mood"]]

    assert xs[2] - xs[1] == 9 * (xs[1] - xs[0])


def test_a_single_check_in_is_drawn():
    svg = checkin_chart_svg(_checkins([6]))

    assert len(_polyline(svg, "mood")) == 1
    assert "<circle" in svg  # a lone point would be invisible as a line


def test_no_check_ins_no_chart():
    assert checkin_chart_svg([]) == ""


def test_markup_can_be_found_and_read():
    svg = checkin_chart_svg(_checkins([4, 5, 6], step=7))

    assert svg.startswith('<svg class="mood-chart"')
    assert 'role="img"' in svg
    assert "of 3 check-ins from 2024-03-01 to 2024-03-15" in svg
    for label in ("Mood", "Energy", "Anxiety", "2024-03-01", "2024-03-15"):
        assert f">{label}</text>" in svg


def test_a_few_date_labels_however_many_check_ins():
    chart = chart_geometry(_checkins([5] * 365))

    days = [day for _, day in chart.date_labels]
    assert len(days) == 5
    assert (days[0], days[-1]) == (START, START + timedelta(days=364))


def test_cycling_moods_spread_wider_than_stable_ones():
    """The point of the chart: a pattern is visible at a glance."""

    def spread(pattern):
        ys = [y for _, y in chart_geometry(_checkins(mood_series(Random(3), pattern, 60))).series["mood"]]
        return statistics.pstdev(ys)

    assert spread("cycling") > 1.5 * spread("stable")
