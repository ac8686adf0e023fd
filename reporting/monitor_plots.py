"""The monitoring page's plots, inline SVG drawn by hand like `plots.py`: reference against
window shares per score bin, each bin's PSI contribution, the features ranked by CSI, the
Page-Hinkley path against its threshold, and AUC intervals."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reporting.i18n import Formatter
from reporting.plots import HEIGHT, PAD, WIDTH

REFERENCE, WINDOW, ALARM = "#9aa9b8", "#1f5f99", "#b00020"


def _frame(body: str) -> str:
    span_x, span_y = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img"><rect x="{PAD}" y="{PAD}" '
            f'width="{span_x}" height="{span_y}" fill="none" stroke="#999"/>{body}</svg>')


def shares_svg(bins: list[dict], f: Formatter) -> str:
    """Reference (grey) and window (blue) share of rows per bin, bins in score order."""
    ordered = sorted(bins, key=lambda b: b["order"])
    top = max([0.01, *(b["reference"] for b in ordered), *(b["window"] for b in ordered)])
    span_x, span_y = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    width = span_x / max(len(ordered), 1)
    bars = []
    for i, b in enumerate(ordered):
        for j, (key, colour) in enumerate((("reference", REFERENCE), ("window", WINDOW))):
            h = b[key] / top * span_y
            bars.append(f'<rect x="{PAD + i * width + j * width / 2:.1f}" '
                        f'y="{HEIGHT - PAD - h:.1f}" width="{width / 2 - 1:.1f}" '
                        f'height="{h:.1f}" fill="{colour}"/>')
    peak = (f'<text x="{PAD - 4}" y="{PAD + 3}" font-size="9" text-anchor="end">'
            f'{escape(f.percent(top))}</text>')
    return _frame("".join(bars) + peak)


def contributions_svg(bins: list[dict], f: Formatter) -> str:
    """Each bin's share of PSI, largest first, as horizontal bars with their values."""
    return bars_svg([(b["bin"], b["contribution"], WINDOW) for b in bins[:10]], f)


def ranking_svg(findings: list[dict], f: Formatter) -> str:
    """CSI per feature, largest first (at most 15): drifted features red, top features'
    names starred."""
    ranked = sorted((x for x in findings if x["statistic"] is not None),
                    key=lambda x: -x["statistic"])[:15]
    return bars_svg([(("★ " if x["detail"].get("top") else "") + x["subject"], x["statistic"],
                      ALARM if x["verdict"] == "drift" else WINDOW) for x in ranked], f)


def bars_svg(rows: list[tuple[str, float, str]], f: Formatter) -> str:
    """Horizontal bars (label, value, colour), in the order given, with their values."""
    top = max([1e-9, *(v for _, v, _ in rows)])
    bars = []
    step = (HEIGHT - 2 * PAD) / max(len(rows), 1)
    for i, (label, value, colour) in enumerate(rows):
        w = max(value, 0) / top * (WIDTH - 2 * PAD - 60)
        y = PAD + i * step
        bars.append(f'<rect x="{PAD}" y="{y + 2:.1f}" width="{w:.1f}" height="{step - 4:.1f}" '
                    f'fill="{colour}"/><text x="{PAD + w + 4:.1f}" y="{y + step / 2 + 3:.1f}" '
                    f'font-size="8">{escape(label)} {escape(f.number(value))}</text>')
    return _frame("".join(bars))


def path_svg(path: list[float], threshold: float, f: Formatter) -> str:
    """PH_t by day against lambda (red line)."""
    top = max([threshold * 1.2, *path, 1e-9])
    span_x, span_y = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    n = max(len(path) - 1, 1)
    points = " ".join(f"{PAD + i / n * span_x:.1f},{HEIGHT - PAD - v / top * span_y:.1f}"
                      for i, v in enumerate(path))
    limit = HEIGHT - PAD - threshold / top * span_y
    return _frame(
        f'<polyline points="{points}" fill="none" stroke="{WINDOW}" stroke-width="1.5"/>'
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{limit:.1f}" y2="{limit:.1f}" '
        f'stroke="{ALARM}" stroke-dasharray="4 3"/>'
        f'<text x="{WIDTH - PAD}" y="{limit - 3:.1f}" font-size="9" text-anchor="end" '
        f'fill="{ALARM}">λ {escape(f.number(threshold, 3))}</text>')


def interval_svg(reference: list[float], window: float, window_interval: list[float],
                 f: Formatter) -> str:
    """The reference AUC interval (grey band) and the window's AUC with its interval."""
    low = min(reference[0], window_interval[0]) - 0.02
    high = max(reference[2], window_interval[1]) + 0.02
    span_x = WIDTH - 2 * PAD

    def x(v: float) -> float:
        return PAD + (v - low) / (high - low) * span_x

    mid = HEIGHT / 2
    return _frame(
        f'<rect x="{x(reference[0]):.1f}" y="{mid - 30}" '
        f'width="{x(reference[2]) - x(reference[0]):.1f}" height="60" fill="{REFERENCE}"/>'
        f'<line x1="{x(window_interval[0]):.1f}" x2="{x(window_interval[1]):.1f}" '
        f'y1="{mid}" y2="{mid}" stroke="{WINDOW}" stroke-width="3"/>'
        f'<circle cx="{x(window):.1f}" cy="{mid}" r="5" fill="{WINDOW}"/>'
        + "".join(f'<text x="{x(v):.1f}" y="{HEIGHT - PAD + 14}" font-size="9" '
                  f'text-anchor="middle">{escape(f.number(v, 3))}</text>'
                  for v in (reference[0], reference[2], window)))
