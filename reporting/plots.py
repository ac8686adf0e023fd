"""Plots as inline SVG, drawn by hand: small, deterministic, no plotting library at render
time, and text (axis labels, numbers) that PDF and HTML both keep as text."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reporting.i18n import Formatter

WIDTH, HEIGHT, PAD = 360, 240, 36


def calibration_svg(deciles: list[dict], f: Formatter) -> str:
    """Mean predicted against observed default rate per decile, with the diagonal."""
    top = max([0.05, *(d["mean_predicted"] for d in deciles),
               *(d["observed_rate"] for d in deciles)]) * 1.1
    span_x, span_y = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def x(v: float) -> float:
        return PAD + v / top * span_x

    def y(v: float) -> float:
        return HEIGHT - PAD - v / top * span_y

    points = " ".join(f"{x(d['mean_predicted']):.1f},{y(d['observed_rate']):.1f}"
                      for d in deciles)
    dots = "".join(f'<circle cx="{x(d["mean_predicted"]):.1f}" '
                   f'cy="{y(d["observed_rate"]):.1f}" r="3" fill="#1f5f99"/>' for d in deciles)
    ticks = "".join(
        f'<text x="{x(t):.1f}" y="{HEIGHT - PAD + 14}" font-size="9" text-anchor="middle">'
        f'{escape(f.percent(t, 0))}</text>'
        f'<text x="{PAD - 4}" y="{y(t) + 3:.1f}" font-size="9" text-anchor="end">'
        f'{escape(f.percent(t, 0))}</text>' for t in (0, top / 2, top))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">'
            f'<rect x="{PAD}" y="{PAD}" width="{span_x}" height="{span_y}" fill="none" '
            f'stroke="#999"/>'
            f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(top)}" y2="{y(top)}" stroke="#bbb" '
            f'stroke-dasharray="4 3"/>'
            f'<polyline points="{points}" fill="none" stroke="#1f5f99"/>{dots}{ticks}</svg>')


def histogram_svg(values: list[float], f: Formatter, bins: int = 20) -> str:
    """The distribution of probabilities of default in [0, 1], as bars."""
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int(v * bins)))] += 1
    top = max(counts) or 1
    span_x, span_y = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    width = span_x / bins
    bars = "".join(
        f'<rect x="{PAD + i * width:.1f}" y="{HEIGHT - PAD - c / top * span_y:.1f}" '
        f'width="{width - 1:.1f}" height="{c / top * span_y:.1f}" fill="#1f5f99"/>'
        for i, c in enumerate(counts))
    ticks = "".join(
        f'<text x="{PAD + t * span_x:.1f}" y="{HEIGHT - PAD + 14}" font-size="9" '
        f'text-anchor="middle">{escape(f.percent(t, 0))}</text>' for t in (0, 0.25, 0.5, 0.75, 1))
    peak = (f'<text x="{PAD - 4}" y="{PAD + 3}" font-size="9" text-anchor="end">'
            f'{escape(f.count(top))}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">'
            f'<rect x="{PAD}" y="{PAD}" width="{span_x}" height="{span_y}" fill="none" '
            f'stroke="#999"/>{bars}{ticks}{peak}</svg>')


def history_svg(history: list[dict], f: Formatter, keys: tuple[str, ...] = ("auc", "ks")) -> str:
    """Test metrics per registry version, one line per metric (AUC solid, KS dashed), with the
    version numbers along the bottom and each point's value as text."""
    n = max(len(history), 1)
    span_x, span_y = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def x(i: int) -> float:
        return PAD + (i + 0.5) / n * span_x

    def y(v: float) -> float:
        return HEIGHT - PAD - v * span_y

    lines, labels = [], []
    for key, dash in zip(keys, ("", ' stroke-dasharray="5 3"'), strict=False):
        points = " ".join(f"{x(i):.1f},{y(h[key]):.1f}" for i, h in enumerate(history))
        lines.append(f'<polyline points="{points}" fill="none" stroke="#1f5f99"{dash}/>')
        lines += [f'<circle cx="{x(i):.1f}" cy="{y(h[key]):.1f}" r="3" fill="#1f5f99"/>'
                  f'<text x="{x(i):.1f}" y="{y(h[key]) - 6:.1f}" font-size="8" '
                  f'text-anchor="middle">{escape(f.number(h[key], 3))}</text>'
                  for i, h in enumerate(history)]
        if history:
            labels.append(f'<text x="{x(len(history) - 1) + 8:.1f}" '
                          f'y="{y(history[-1][key]) + 3:.1f}" font-size="9">{key.upper()}</text>')
    ticks = "".join(f'<text x="{x(i):.1f}" y="{HEIGHT - PAD + 14}" font-size="9" '
                    f'text-anchor="middle">v{escape(h["version"])}</text>'
                    for i, h in enumerate(history))
    scale = "".join(f'<text x="{PAD - 4}" y="{y(t) + 3:.1f}" font-size="9" text-anchor="end">'
                    f'{escape(f.number(t, 1))}</text>' for t in (0, 0.5, 1))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">'
            f'<rect x="{PAD}" y="{PAD}" width="{span_x}" height="{span_y}" fill="none" '
            f'stroke="#999"/>{"".join(lines)}{"".join(labels)}{ticks}{scale}</svg>')
