"""The card's plots: inline SVG whose marks are the data (a bar per 5 points of probability,
a point per decile), labelled in the card's language."""

from __future__ import annotations

import re

from reporting import Formatter
from reporting.plots import HEIGHT, PAD, calibration_svg, histogram_svg


def bars(svg: str) -> list[float]:
    return [float(h) for h in re.findall(r'height="([\d.]+)" fill="#1f5f99"', svg)]


def test_a_histogram_has_a_bar_per_bin_scaled_to_the_fullest():
    values = [0.01] * 10 + [0.12] * 5 + [0.99, 1.0]  # 1.0 belongs to the last bin
    heights = bars(histogram_svg(values, Formatter("en")))
    assert len(heights) == 20
    full = HEIGHT - 2 * PAD
    assert heights[0] == full and heights[2] == full / 2 and heights[-1] == full / 5
    assert sum(h > 0 for h in heights) == 3


def test_the_calibration_plot_has_a_point_per_decile_and_labelled_axes():
    deciles = [{"mean_predicted": 0.1 * i, "observed_rate": 0.1 * i} for i in range(1, 6)]
    svg = calibration_svg(deciles, Formatter("vi"))
    assert svg.count("<circle") == 5
    labels = re.findall(r">([^<]+)</text>", svg)
    assert labels == ["0%", "0%", "28%", "28%", "55%", "55%"]  # axes end at 110 % of the top
