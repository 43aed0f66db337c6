from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from isf_portal.domain import DomainError
from organisations.permissions import memberships

from .. import permissions, services, similar
from ..choices import STATUS_TAG_CLASSES, ProposalStatus, Section
from ..dashboard_reads import DashboardRows
from ..forms import StartForm

PAGE_SIZE = 20


@login_required
def proposal_list(request):
    """The user's proposals and their organisations' proposals, newest activity first."""
    status = request.GET.get("status", "")
    if status not in ProposalStatus.values:
        status = ""
    # The memberships the permission checks read for this request (may_start_any below).
    organisations = sorted(
        (m.organisation for m in memberships(request).values() if m.organisation.is_active),
        key=lambda organisation: organisation.name,
    )
    try:
        organisation_id = int(request.GET.get("organisation") or 0) or None
    except ValueError:
        organisation_id = None
    # The count and the page's rows, each one statement in SQL (selectors.dashboard and
    # dashboard_count ask the same through the ORM, whose building cost more than the reads).
    paginator = Paginator(
        DashboardRows(user=request.user, status=status, organisation_id=organisation_id),
        PAGE_SIZE,
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sharing_requests/list.html",
        {
            "page": page,
            "statuses": ProposalStatus.choices,
            "status": status,
            "organisations": organisations,
            "organisation_id": organisation_id,
            "query": query.urlencode(),
            "section_count": len(Section),
            "tag_classes": STATUS_TAG_CLASSES,
            "can_start": permissions.may_start_any(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_start(request):
    organisations = permissions.start_organisations(request)
    if not organisations.exists():
        return render(request, "sharing_requests/cannot_start.html", status=403)
    form = StartForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(
                lead_organisation=form.cleaned_data["lead_organisation"],
                title=form.cleaned_data["title"],
                by=request.user,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Proposal %(reference)s started. Complete the sections in any order.")
                % {"reference": proposal.reference},
            )
            return redirect("requests:detail", reference=proposal.reference)
    # What already exists among the person's organisations (and, once a title is typed,
    # with its words): they may join or vary it instead.
    typed = form.data.get("title", "") if form.is_bound else ""
    wanted = similar.Wanted.of(organisation_ids=memberships(request), text=typed)
    return render(
        request,
        "sharing_requests/start.html",
        {"form": form, "existing": similar.similar(request, wanted)},
    )
