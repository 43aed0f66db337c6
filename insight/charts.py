"""Server-rendered SVG bar charts (no chart script, nothing from a CDN), and the data tables
beside them.

`bar_chart(figure)` works out the geometry of a horizontal bar chart (one group of bars per
row, one bar per series) for insight.sections, which draws it as an SVG
with a title and description that screen readers announce; the figure's data table sits
beside it. The colours pass WCAG 2.2's 3:1 contrast for graphics against white, and every
bar carries its value as text, so colour is never the only way to read it."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import get_format, localize
from django.utils.safestring import SafeString

from isf_portal.markup import escaped

# GOV.UK blue and dark grey: 5.2:1 and 7.0:1 against white.
COLOURS = ("#1d70b8", "#505a5f")
WIDTH = 680
LABEL_WIDTH = 280
VALUE_ROOM = 60
BAR_HEIGHT = 16
BAR_GAP = 4
GROUP_GAP = 14
TOP = 8
LEGEND_HEIGHT = 26


@dataclass
class DrawnBar:
    x: float
    y: float
    width: float
    height: int
    colour: str
    value_text: str
    text_x: float
    text_y: float


@dataclass
class Group:
    label: str
    label_y: float
    bars: list[DrawnBar]


def _text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{int(value)}"


def bar_chart(figure) -> dict | None:
    """The chart's geometry, or None when the figure has nothing to draw."""
    if not figure.bars:
        return None
    series = figure.series or [""]
    values = [v for bar in figure.bars for v in bar.values if v is not None]
    peak = max(values, default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_ROOM
    group_height = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    legend = len(series) > 1
    y = TOP + (LEGEND_HEIGHT if legend else 0)
    groups = []
    for bar in figure.bars:
        drawn = []
        for index, value in enumerate(bar.values):
            width = 0 if value is None else max(span * value / peak, 1 if value else 0)
            top = y + index * (BAR_HEIGHT + BAR_GAP)
            drawn.append(
                DrawnBar(
                    x=LABEL_WIDTH,
                    y=top,
                    width=round(width, 1),
                    height=BAR_HEIGHT,
                    colour=COLOURS[index % len(COLOURS)],
                    value_text=_text(value),
                    text_x=round(LABEL_WIDTH + width + 6, 1),
                    text_y=top + BAR_HEIGHT - 3,
                )
            )
        label = bar.label if len(bar.label) <= 38 else bar.label[:37] + "…"
        groups.append(Group(label=label, label_y=y + group_height / 2 + 5, bars=drawn))
        y += group_height + GROUP_GAP
    legend_items = (
        [
            {"name": name, "colour": COLOURS[i % len(COLOURS)], "x": LABEL_WIDTH + i * 170}
            for i, name in enumerate(series)
        ]
        if legend
        else []
    )
    return {
        "marks": _marks(legend_items, LABEL_WIDTH - 8, groups),
        "width": WIDTH,
        "height": y - GROUP_GAP + TOP,
        "label_x": LABEL_WIDTH - 8,
        "groups": groups,
        "legend": legend_items,
    }


def _marks(legend, label_x, groups) -> str:
    """The chart's legend, labels and bars as SVG elements, written here rather than by the
    template's loops (every bar's numbers were a large part of the page's template time)."""
    text = _cell_text()
    parts = [
        f'<rect x="{text(item["x"])}" y="6" width="14" height="14" fill="{item["colour"]}"/>'
        f'<text x="{text(item["x"] + 20)}" y="18" font-size="14" fill="#0b0c0c">'
        f"{escaped(item['name'])}</text>"
        for item in legend
    ]
    for group in groups:
        parts.append(
            f'\n<text x="{text(label_x)}" y="{text(group.label_y)}" text-anchor="end" '
            f'font-size="14" fill="#0b0c0c">{escaped(group.label)}</text>\n'
        )
        parts.extend(
            f'<rect x="{text(bar.x)}" y="{text(bar.y)}" width="{text(bar.width)}" '
            f'height="{text(bar.height)}" fill="{bar.colour}"/><text x="{text(bar.text_x)}" '
            f'y="{text(bar.text_y)}" font-size="13" fill="#0b0c0c">'
            f"{escaped(bar.value_text)}</text>"
            for bar in group.bars
        )
    return SafeString("".join(parts))  # names and labels escaped above


def table_body(figure) -> str:
    """The data table's rows, as a template would write them (the row's label a header,
    numbers localised, a dash for no value), written here because a figure of 200
    organisations was most of the page's template time."""
    text = _cell_text()
    cell = '<td class="govuk-table__cell govuk-table__cell--numeric">'
    between = "</td>" + cell
    rows = [
        '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
        f"{escaped(label)}</th>"
        + (f"{cell}{between.join(map(text, values))}</td>" if values else "")
        + "</tr>"
        for label, *values in figure.rows
    ]
    return SafeString("".join(rows))  # labels and other text escaped above


def _cell_text():
    """A cell's text: localize()'s, read more cheaply where the language writes numbers as
    Python does (no thousands separator, a decimal point)."""

    def localised(value):
        return "–" if value is None else escaped(localize(value))

    if settings.USE_THOUSAND_SEPARATOR or get_format("DECIMAL_SEPARATOR") != ".":
        return localised

    def plain(value):
        if type(value) is int or type(value) is float:  # not bool, nor a subclass
            return str(value)
        return localised(value)

    return plain
