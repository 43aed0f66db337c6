"""What one insight figure is: its title, the description screen readers announce with its
chart, its table's columns and rows (the CSV is the same rows), and the bars its chart draws."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass
class Bar:
    label: str
    values: tuple  # one value per series, None where there is none


@dataclass
class Figure:
    slug: str
    title: str
    description: str
    columns: list[str]
    rows: list[list]
    series: list[str] = field(default_factory=list)  # the chart's series names
    bars: list[Bar] = field(default_factory=list)
    unit: str = ""


def quarter_label(value) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value) if isinstance(value, datetime) else value
    return _("Q%(quarter)s %(year)s") % {"quarter": (local.month - 1) // 3 + 1, "year": local.year}


def number(value):
    return None if value is None else round(value, 1)


def spread_figure(slug, title, description, rows_in, what) -> Figure:
    rows = [[quarter_label(s.group), s.count, number(s.median), number(s.p90)] for s in rows_in]
    return Figure(
        slug=slug,
        title=title,
        description=description,
        columns=[_("Quarter"), what, _("Median (working days)"), _("90th percentile")],
        rows=rows,
        series=[_("Median"), _("90th percentile")],
        bars=[Bar(row[0], (row[2], row[3])) for row in rows],
        unit=_("working days"),
    )
