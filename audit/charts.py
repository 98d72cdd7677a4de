"""Server-side SVG charts: a page that needs no script (the CSP forbids inline script anyway)."""

from __future__ import annotations

import datetime as dt

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#1f6feb", "#c62828", "#2e7d32", "#b26a00", "#6f42c1", "#00838f", "#5b6675"]


def stacked_bars(
    *,
    title: str,
    months: list[dt.date],
    series: list[tuple[str, list[int]]],
    width: int = 760,
    height: int = 280,
) -> SafeString:
    """Monthly bars stacked by series, with a legend and a y axis; every text escaped."""
    left, right, top, bottom = 44, 170, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values[i] for _, values in series) for i in range(len(months))]
    peak = max([*totals, 1])
    step = _nice_step(peak)
    scale_max = step * -(-peak // step)
    slot = plot_w / max(len(months), 1)
    bar_w = max(slot * 0.62, 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for tick in range(0, scale_max + 1, step):
        y = top + plot_h - plot_h * tick / scale_max
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d9dee6" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#5b6675">{tick}</text>'
        )
    for i, month in enumerate(months):
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h
        for index, (name, values) in enumerate(series):
            value = values[i]
            if not value:
                continue
            h = plot_h * value / scale_max
            y -= h
            color = PALETTE[index % len(PALETTE)]
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{escape(name)} {month:%Y-%m}: {value}</title></rect>"
            )
        if totals[i]:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11" '
                f'fill="#1b2430">{totals[i]}</text>'
            )
        parts.append(
            f'<text x="{left + slot * i + slot / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
            f'font-size="11" fill="#5b6675">{month:%y.%m}</text>'
        )
    for index, (name, values) in enumerate(series):
        y = top + 14 + index * 20
        color = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{left + plot_w + 16}" y="{y - 10}" width="12" height="12" fill="{color}"/>'
            f'<text x="{left + plot_w + 34}" y="{y}" font-size="12" fill="#1b2430">'
            f"{escape(name)} ({sum(values)})</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built above from numbers and escaped text only


def _nice_step(peak: int) -> int:
    """A round tick step giving about four to eight grid lines."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if peak / step <= 8:
            return step
    magnitude = 10 ** (len(str(peak)) - 1)
    return magnitude
