"""The drill page's plots, inline SVG drawn by hand like `plots.py`: the client's latency
(median and 95th percentile) and its answered and failed attempts over the drill, with the
fault and the first answer from the DR region marked."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reporting.i18n import Formatter

WIDTH, HEIGHT, PAD = 640, 220, 40
ANSWERED, FAILED, P50, P95, MARK = "#1b7f3b", "#b00020", "#1f5f99", "#9aa9b8", "#a35c00"


def _axes(end: float, top: float, unit: str, marks: list[tuple[float, str]], f: Formatter
          ) -> tuple[str, callable, callable]:
    span_x, span_y = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def x(t: float) -> float:
        return PAD + t / end * span_x

    def y(v: float) -> float:
        return HEIGHT - PAD - v / top * span_y

    parts = [f'<rect x="{PAD}" y="{PAD}" width="{span_x}" height="{span_y}" fill="none" '
             f'stroke="#999"/>']
    for t in range(0, int(end) + 1, max(1, int(end // 8) or 1)):
        parts.append(f'<text x="{x(t):.1f}" y="{HEIGHT - PAD + 14}" font-size="9" '
                     f'text-anchor="middle">{t} s</text>')
    for v in (0, top / 2, top):
        parts.append(f'<text x="{PAD - 4}" y="{y(v) + 3:.1f}" font-size="9" text-anchor="end">'
                     f'{escape(f.number(v, 0))}{unit}</text>')
    for t, label in marks:
        parts.append(f'<line x1="{x(t):.1f}" y1="{PAD}" x2="{x(t):.1f}" y2="{HEIGHT - PAD}" '
                     f'stroke="{MARK}" stroke-dasharray="4 3"/><text x="{x(t) + 3:.1f}" '
                     f'y="{PAD + 10}" font-size="9" fill="{MARK}">{escape(label)}</text>')
    return "".join(parts), x, y


def _svg(body: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">{body}</svg>')


def latency_svg(series: list[dict], step: float, marks: list[tuple[float, str]],
                f: Formatter) -> str:
    """Median (blue) and 95th-percentile (grey) latency of answered attempts per slice."""
    end = max(len(series) * step, 1.0)
    top = max([10.0, *(b["p95_ms"] or 0 for b in series)]) * 1.1
    frame, x, y = _axes(end, top, " ms", marks, f)
    lines = []
    for key, colour in (("p95_ms", P95), ("p50_ms", P50)):
        points = " ".join(f"{x(b['t'] + step / 2):.1f},{y(b[key]):.1f}" for b in series
                          if b[key] is not None)
        lines.append(f'<polyline points="{points}" fill="none" stroke="{colour}"/>')
    return _svg(frame + "".join(lines))


def attempts_svg(series: list[dict], step: float, marks: list[tuple[float, str]],
                 f: Formatter) -> str:
    """Attempts answered 200 (green) and failed (red, then retried) per slice, stacked."""
    end = max(len(series) * step, 1.0)
    top = max([1, *(b["answered"] + b["failed"] for b in series)]) * 1.1
    frame, x, y = _axes(end, top, "", marks, f)
    width = (WIDTH - 2 * PAD) / max(len(series), 1)
    bars = []
    for b in series:
        left = x(b["t"])
        ok_top, fail_top = y(b["answered"]), y(b["answered"] + b["failed"])
        bars.append(f'<rect x="{left:.1f}" y="{ok_top:.1f}" width="{width - 1:.1f}" '
                    f'height="{HEIGHT - PAD - ok_top:.1f}" fill="{ANSWERED}"/>')
        if b["failed"]:
            bars.append(f'<rect x="{left:.1f}" y="{fail_top:.1f}" width="{width - 1:.1f}" '
                        f'height="{ok_top - fail_top:.1f}" fill="{FAILED}"/>')
    return _svg(frame + "".join(bars))
