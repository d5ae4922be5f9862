"""Charts drawn on the server as SVG: no script, no style attribute, readable without colour alone.

Every bar carries a <title> with its day and figure, so a screen reader or a
hover tells the number; the legend names each colour.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

# Okabe-Ito: told apart by people with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999")
WIDTH, HEIGHT = 900, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


def _frame(title: str, height: int, body: list[str], axis: tuple[float, float], unit: str, days: list[str]) -> Markup:
    plot = height - TOP - BOTTOM
    top, step = axis
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
             f'height="{height}" role="img" aria-label="{escape(title)}" class="chart" '
             f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="11">',
             f"<title>{escape(title)}</title>"]
    ticks = int(round(top / step))
    for tick in range(ticks + 1):      # gridlines with values
        value = step * tick
        y = TOP + plot - plot * tick / ticks
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#4b5563">'
                     f'{escape(_number(value, unit))}</text>')
    parts.extend(body)
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(days))
    for n, day in enumerate(days):     # a date under every seventh day, the last included
        if (len(days) - 1 - n) % 7 == 0:
            x = LEFT + slot * (n + 0.5)
            parts.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="#4b5563">{day[5:]}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot}" x2="{WIDTH - RIGHT}" y2="{TOP + plot}" stroke="#6b7280"/>')
    parts.append("</svg>")
    return Markup("\n".join(parts))


def _number(value: float, unit: str) -> str:
    if unit == "s":
        return duration(value)
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def duration(seconds: float) -> str:
    """A short human duration: 42 s, 3.5 min, 2.0 h."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _nice(value: float) -> float:
    """The least of 1, 2, 5 times a power of ten that is at least `value`."""
    power = 1.0
    while power * 10 < value:
        power *= 10
    while power > value:
        power /= 10
    for factor in (1, 2, 5, 10):
        if power * factor >= value:
            return power * factor
    return power * 10


def axis(largest: float) -> tuple[float, float]:
    """(top, step) of a value axis with about four round steps over `largest`."""
    if largest <= 0:
        return 1.0, 1.0
    step = max(_nice(largest / 4), 1.0)
    return step * -(-largest // step), step


def stacked_bars(title: str, days: list[str], values: dict[str, dict[str, int]], keys: list[str]) -> Markup:
    """Bars per day stacked by key (scenario), with a legend."""
    totals = [sum(values.get(day, {}).values()) for day in days]
    scale = axis(max(totals, default=0))
    top = scale[0]
    plot = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(days))
    colours = {key: PALETTE[n % len(PALETTE)] for n, key in enumerate(keys)}
    body = []
    for n, day in enumerate(days):
        y = float(TOP + plot)
        for key in keys:
            count = values.get(day, {}).get(key, 0)
            if not count:
                continue
            h = plot * count / top
            y -= h
            body.append(f'<rect x="{LEFT + slot * n + 1:.1f}" y="{y:.1f}" width="{max(1.0, slot - 2):.1f}" '
                        f'height="{h:.1f}" fill="{colours[key]}"><title>{day} {escape(key)}: {count}</title></rect>')
    chart = _frame(title, HEIGHT, body, scale, "", days)
    legend = "".join(f'<li><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" '
                     f'fill="{colours[key]}"/></svg> {escape(key)}</li>' for key in keys)
    return Markup(f'{chart}<ul class="legend">{legend}</ul>')


def bars(title: str, days: list[str], values: dict[str, float], unit: str = "", colour: str = PALETTE[0]) -> Markup:
    """One bar per day; days without a value are left empty (not zero)."""
    scale = axis(max(values.values(), default=0))
    top = scale[0]
    plot = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(days))
    body = []
    for n, day in enumerate(days):
        if day not in values:
            continue
        h = plot * values[day] / top
        label = escape(_number(values[day], unit))
        body.append(f'<rect x="{LEFT + slot * n + 1:.1f}" y="{TOP + plot - h:.1f}" width="{max(1.0, slot - 2):.1f}" '
                    f'height="{h:.1f}" fill="{colour}"><title>{day}: {label}</title></rect>')
    return _frame(title, HEIGHT, body, scale, unit, days)
