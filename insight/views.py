"""/insight/: where proposals get stuck and how long each step takes, for the steering group
(the whole region) and each organisation's governance officers (their own organisation)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from isf_portal.spreadsheet import csv_lines

from .calendar import calendar_ensure
from .figures import FIGURES, Scope, one_process
from .forms import InsightFilterForm
from .kept import figures_kept
from .permissions import insight_reach
from .sections import figure_section


def _scope(request) -> tuple[Scope, InsightFilterForm]:
    reach = insight_reach(request)
    form = InsightFilterForm(request.GET, reach=reach)
    return Scope(**form.values()), form


@login_required
@require_GET
def insight(request):
    scope, form = _scope(request)
    query = request.GET.urlencode()
    figures = [(figure, figure_section(figure, query)) for figure in figures_kept(scope)]
    return render(
        request,
        "insight/insight.html",
        {
            "form": form,
            "scope": scope,
            "figures": figures,
            "region": form.reach is None,
            "is_filtered": bool(request.GET),
        },
    )


@login_required
@require_GET
def figure_csv(request, slug):
    build = FIGURES.get(slug)
    if build is None:
        raise Http404
    scope, _form = _scope(request)
    calendar_ensure(scope.today)
    with one_process():
        figure = build(scope)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="insight-{slug}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    response.writelines(csv_lines(figure.columns, figure.rows, bom=False))
    return response
