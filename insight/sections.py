"""Each figure's section of the insight page: its heading, chart, data table and CSV link.

Written here rather than by a template loop (seven figures' sections, each with its chart,
translated captions and link, were a large part of the page's own CPU). The markup is what
the page's template wrote; every text is escaped, and the translated sentences are the same
messages the template used."""

from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from isf_portal.markup import escaped as esc

from .charts import bar_chart, table_body


def figure_section(figure, query: str) -> str:
    """The figure's <section> (its chart from insight.charts.bar_chart, its rows from
    insight.charts.table_body); `query` is the page's query string, kept on the CSV link."""
    slug, title = esc(figure.slug), esc(figure.title)
    parts = [
        f'<section class="isf-figure" aria-labelledby="figure-{slug}">\n'
        f'  <h2 class="govuk-heading-m" id="figure-{slug}">{title}</h2>\n'
        f'  <p class="govuk-body" id="figure-{slug}-description">{esc(figure.description)}</p>\n'
    ]
    if figure.rows:
        chart = bar_chart(figure)
        if chart:
            parts.append(_chart(figure, chart, slug, title))
        columns = "".join(
            f'<th scope="col" class="govuk-table__header'
            f'{" govuk-table__header--numeric" if n else ""}">{esc(column)}</th>'
            for n, column in enumerate(figure.columns)
        )
        show = _("Show the data: %(title)s") % {"title": title}
        region = _("The data: %(title)s") % {"title": title}
        parts.append(
            f'  <details class="govuk-details"{"" if chart else " open"}>\n'
            '    <summary class="govuk-details__summary"><span '
            f'class="govuk-details__summary-text">{show}</span></summary>\n'
            '    <div class="govuk-details__text">\n'
            f'      <div class="app-table-scroll" role="region" aria-label="{region}" '
            'tabindex="0"><table class="govuk-table">\n'
            f'        <caption class="govuk-table__caption govuk-table__caption--s">{title}'
            "</caption>\n"
            f'        <thead class="govuk-table__head"><tr class="govuk-table__row">{columns}'
            "</tr></thead>\n"
            f'        <tbody class="govuk-table__body">{table_body(figure)}</tbody>\n'
            "      </table></div>\n    </div>\n  </details>\n"
        )
    else:
        nothing = esc(_("Nothing in this period yet."))
        parts.append(f'  <p class="govuk-body govuk-hint">{nothing}</p>\n')
    href = esc(reverse("insight:figure-csv", args=[figure.slug]))
    if query:
        href += "?" + esc(query)
    download = _(
        'Download the data as a spreadsheet (CSV)<span class="govuk-visually-hidden">: '
        "%(title)s</span>"
    ) % {"title": title}
    parts.append(
        f'  <p class="govuk-body"><a class="govuk-link" href="{href}" download>{download}</a>'
        "</p>\n</section>\n"
    )
    return SafeString("".join(parts))  # every text above is escaped


def _chart(figure, chart: dict, slug: str, title: str) -> str:
    """The figure's bar chart as an SVG with a title and description screen readers
    announce (the geometry and marks from insight.charts.bar_chart)."""
    below = esc(_("The same figures are in the data table below the chart."))
    unit = f" ({esc(figure.unit)})" if figure.unit else ""
    return (
        '<figure class="isf-chart">\n'
        f'<svg class="isf-chart__svg" viewBox="0 0 {chart["width"]} {chart["height"]}" '
        f'width="100%" role="img" aria-labelledby="chart-{slug}-title chart-{slug}-desc" '
        'focusable="false">\n'
        f'  <title id="chart-{slug}-title">{title}</title>\n'
        f'  <desc id="chart-{slug}-desc">{esc(figure.description)} {below}</desc>\n'
        f"  {chart['marks']}\n"
        "</svg>\n"
        f'<figcaption class="govuk-body-s">{title}{unit}</figcaption>\n'
        "</figure>\n"
    )
