"""The task list, a section's page, and the pages of plain questions (questions.py). The
sections' other pages: repeating lists (items), parties and lawful bases (parties), the DPIA
(dpia)."""

from django.contrib.auth.decorators import login_required
from django.db.models import IntegerField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods

from isf_portal.compiled import CompiledRead
from isf_portal.domain import DomainError

from .. import permissions, selectors, services
from ..answers import answers_context, change_requests, parties_read
from ..choices import ProposalStatus, Section, SectionStatus
from ..completeness import section_problems
from ..forms import CompletionForm, page_form
from ..models import (
    Action,
    Endorsement,
    MeasurableOutcome,
    Proposal,
    ReviewRound,
    RoundOutcome,
    VisionComment,
)
from ..questions import PAGES
from .common import (
    editing_proposal,
    not_editable,
    proposal_context,
    save_section,
    section_meta,
    section_url,
)


class _CompiledOnce(Subquery):
    """A subquery of DETAIL's, compiled once. DETAIL resolves it (its OuterRef to the proposal
    read) when the module loads; from then on its SQL depends on that resolved query alone,
    which nothing changes, yet each read compiled it again: DETAIL's six subqueries cost about
    2.5 ms a page. A copy (a relabelled or re-resolved clone) holds another query: compiled
    afresh."""

    def as_sql(self, compiler, connection, template=None, **extra_context):
        if template is not None or extra_context:
            return super().as_sql(compiler, connection, template, **extra_context)
        memo = self.__dict__.get("_compiled")
        if memo is not None and memo[0] is self.query and memo[1] == connection.alias:
            return memo[2], memo[3]
        sql, params = super().as_sql(compiler, connection)
        self._compiled = (self.query, connection.alias, sql, tuple(params))
        return sql, tuple(params)


class _Count(_CompiledOnce):
    """How many rows a subquery finds, as a column: COUNT(*) over it. Cheaper to build than
    a grouped Count() subquery (about 0.35 ms of the ORM's time each)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()


def _rows_of(model):
    return _Count(model.objects.filter(proposal=OuterRef("pk")).order_by().values("pk"))


# The proposal with its vision statement, how many comments and endorsements it has (the
# page links to them), its latest round (the page names it and its outcome: no decisions are
# read), and how many actions, outcomes and agreements it has (the lists none has are not
# read: answers_context), in the query that finds it. Built once: annotating a queryset costs
# several times what compiling it does.
DETAIL = Proposal.objects.select_related("vision").annotate(
    comment_count=_rows_of(VisionComment),
    endorsement_count=_rows_of(Endorsement),
    action_count=_rows_of(Action),
    outcome_count=_rows_of(MeasurableOutcome),
    # A reverse relation: no import of the layer above.
    agreement_count=_rows_of(Proposal._meta.get_field("agreements").related_model),
    latest_round=_CompiledOnce(
        ReviewRound.objects.filter(proposal=OuterRef("pk"))
        .order_by("-number")
        .values(row=JSONObject(id="id", number="number", outcome="outcome", closed="closed_at"))[:1]
    ),
)


# DETAIL for a reference, with its lead organisation, compiled once (isf_portal/compiled.py):
# compiling it was the largest part of finding the proposal.
_DETAIL_READ = CompiledRead(
    lambda reference: (
        DETAIL.select_related("lead_organisation").filter(reference=reference).order_by("pk")[:1]
    ),
    reference=str,
)


def _latest_round(proposal) -> ReviewRound | None:
    """The round DETAIL read along with the proposal, as a (partial) ReviewRound."""
    found = proposal.latest_round
    if found is None:
        return None
    return ReviewRound(
        pk=found["id"],
        proposal=proposal,
        number=found["number"],
        outcome=found["outcome"],
        closed_at=parse_datetime(found["closed"]) if found["closed"] else None,
    )


@login_required
def proposal_detail(request, reference):
    """The task list for the lead's members; a read-only summary for everyone else.

    Each reads only what it shows: the task list its sections' states, the summary the
    answers."""
    proposal = permissions.proposal_for(request, reference, read=_DETAIL_READ)
    editable = permissions.can_edit(request, proposal)
    # The parties, read once for the answers (with their lawful bases) or the task list's
    # side column, and the permission checks on them.
    parties_read(proposal, bases=not editable)
    current_round = _latest_round(proposal)
    requests_by_section = change_requests(proposal=proposal, latest_round=current_round)
    tasks, completed = _tasks(proposal, requests_by_section) if editable else ([], 0)
    if editable:
        answers = {"participants": list(proposal.participants.all())}
    else:
        answers = answers_context(proposal=proposal)
    return render(
        request,
        "sharing_requests/detail.html",
        proposal_context(
            request,
            proposal,
            tasks=tasks,
            completed=completed,
            timeline=selectors.timeline(proposal=proposal),
            comment_organisations=permissions.comment_organisations(request, proposal),
            current_round=current_round,
            sent_back=_sent_back_after_approval(proposal, current_round),
            # The agreements made from it (a reverse relation: no import of the layer above).
            agreements=list(
                # terminates_on too: an active one's status label says when it ends.
                proposal.agreements.only(
                    "reference", "title", "status", "terminates_on", "proposal_id"
                ).order_by("-created_at", "-pk")
            )
            if proposal.agreement_count
            else [],
            start_organisations=permissions.start_organisation_list(request),
            change_request_list=list(
                {d.pk: d for found in requests_by_section.values() for d in found}.values()
            ),
            comment_count=proposal.comment_count,
            endorsement_count=proposal.endorsement_count,
            **answers,
            markable_actions={
                a.pk
                for a in answers.get("actions", ())
                if permissions.may_mark_action(request, a, proposal)
            },
        ),
    )


def _tasks(proposal, requests_by_section) -> tuple[list[dict], int]:
    """The task list's sections with their states, and how many are completed."""
    states = selectors.section_states(proposal=proposal)
    tasks = [
        {
            **section_meta(section),
            "status": states[section].status,
            "status_label": SectionStatus(states[section].status).label,
            "change_requests": requests_by_section.get(section, []),
        }
        for section in Section
    ]
    return tasks, sum(1 for task in tasks if task["status"] == SectionStatus.COMPLETED)


def _sent_back_after_approval(proposal, current_round):
    """Why an approved proposal is back with its authors (its agreement is being varied, or a
    signatory declined): the round approved it, so the reason is the sending back's."""
    if proposal.status != ProposalStatus.CHANGES_REQUESTED or current_round is None:
        return None
    if current_round.outcome != RoundOutcome.APPROVED:
        return None
    return proposal.events.filter(kind="sent_back").first()


@login_required
@require_http_methods(["GET", "POST"])
def section_page(request, reference, section):
    """One section's answers, with 'Have you completed this section?'."""
    if section not in Section.values:
        raise Http404
    proposal = permissions.proposal_for(request, reference)
    editable = permissions.can_edit(request, proposal)
    form = CompletionForm(request.POST or None) if editable else None
    problems = section_problems(proposal, section)
    if request.method == "POST":
        permissions.require(request, permissions.Action.EDIT, proposal)
        if not proposal.is_editable:
            return not_editable(request, proposal)
        if form.is_valid():
            try:
                services.section_mark(
                    proposal=proposal,
                    section=section,
                    completed=form.cleaned_data["completed"],
                    by=request.user,
                )
            except services.SubmitBlocked as blocked:
                for problem in blocked.problems:
                    form.add_error("completed", problem.message)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                return redirect("requests:detail", reference=proposal.reference)
    state = proposal.sections.get(section=section)
    section_requests = change_requests(proposal=proposal).get(section, [])
    if form is not None and not form.is_bound:
        form.initial = {"completed": "yes" if state.status == SectionStatus.COMPLETED else None}
    return render(
        request,
        "sharing_requests/section.html",
        proposal_context(
            request,
            proposal,
            form=form,
            problems=problems,
            state=state,
            section_requests=section_requests,
            **section_meta(section),
            **answers_context(proposal=proposal),
        ),
    )


# The pages of plain questions this module's view edits: every declared page without a view of
# its own. A new page in questions.PAGES gets its URL (urls.py) and its form from here.
FIELD_PAGES = {name: page for name, page in PAGES.items() if not page.own_view}


@login_required
@require_http_methods(["GET", "POST"])
@editing_proposal
def fields_edit(request, proposal, page):
    """A page of plain questions (questions.PAGES), with the form built from them."""
    declared = FIELD_PAGES[page]
    section, form_class = declared.section, page_form(page)
    revision = services.section_revision(proposal, section)
    form = form_class(request.POST or None, instance=proposal, initial={"revision": revision})
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
        saved = save_section(
            form,
            proposal,
            section,
            lambda: services.proposal_update(
                proposal=proposal,
                section=section,
                data=data,
                by=request.user,
                revision=form.cleaned_data["revision"],
            ),
        )
        if saved:
            return redirect(section_url(proposal, section))
    proposal.refresh_from_db()
    return render(
        request,
        "sharing_requests/fields_edit.html",
        proposal_context(
            request, proposal, form=form, page_title=declared.title, **section_meta(section)
        ),
    )
