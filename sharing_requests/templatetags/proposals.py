import datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from isf_portal.markup import format_html, format_html_join, linebreaksbr
from isf_portal.templatetags.choices import display

from .. import permissions
from ..choices import STATUS_TAG_CLASSES, ProposalStatus, Section
from ..questions import Part, entries
from ..rounds.rule import RoundRule

register = template.Library()


@register.filter
def status_tag_class(status: str) -> str:
    return STATUS_TAG_CLASSES.get(status, "govuk-tag--grey")


@register.simple_tag
def proposal_status(proposal):
    """The proposal's status as a GOV.UK tag. Built here rather than by an included template
    (a list renders one per row; a template's context and render cost more than the tag), and
    labelled from the enum: get_status_display() rebuilds a dict of every choice on each call."""
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>',
        status_tag_class(proposal.status),
        ProposalStatus(proposal.status).label,
    )


@register.simple_tag(takes_context=True)
def may_download_dpia(context, proposal) -> bool:
    """Whether the person reading the page may download the proposal's DPIA. A proposal with
    no DPIA file offers no download: its permission is not read (the DPIA rule's steering-seat
    read cost about 4 ms of a summary page without one)."""
    request = context.get("request")
    return bool(request and proposal.dpia_file) and permissions.may_download_dpia(request, proposal)


@register.filter
def round_rule(review) -> RoundRule:
    """The rule a decision round opened under: whether its page shows a steering vote."""
    return RoundRule.from_stored(review.rule)


@register.filter
def section_labels(keys) -> str:
    """['how', 'practical'] -> 'How, Practical steps'."""
    labels = dict(Section.choices)
    return ", ".join(str(labels.get(key, key)) for key in keys or [])


@register.simple_tag
def answer_rows(proposal, page: str, editable=True, **parts) -> list[dict]:
    """The answers of one page's declared questions (questions.py) as rows of the answers
    summary: {key, value, url}. `parts` gives the values of the page's other rows, e.g.
    vision=the vision statement's text. A summary that is not `editable` links nowhere: its
    rows have no url (reversing one for each row would cost more than the row)."""
    rows = []
    for entry in entries(page):
        if entry.summary is None:
            continue
        if isinstance(entry, Part):
            value = parts[entry.name]
        else:
            value = getattr(proposal, entry.name)
            if isinstance(value, datetime.date):
                value = formats.date_format(value, "j F Y")
            elif proposal._meta.get_field(entry.name).choices:
                value = display(proposal, entry.name)
            value = value or str(entry.summary_empty or "")
        rows.append(
            {
                "key": str(entry.summary),
                "value": value,
                "url": reverse(f"requests:{entry.url_name}", args=[proposal.reference])
                if editable
                else "",
            }
        )
    return rows


@register.simple_tag
def data_item_rows(proposal, items, editable: bool):
    """The rows of the answers summary's table of data items (includes/answers_needs.html),
    with links to change and remove each when `editable`. Built here rather than in the
    template, where a row cost about 20 µs: a proposal shares dozens of items."""
    health = format_html(
        '<br><strong class="govuk-tag govuk-tag--light-blue">{}</strong>', _("Health or care")
    )
    change, remove = _("Change"), _("Remove")
    rows = []
    for item in items:
        actions = ""
        if editable:
            args = [proposal.reference, item.pk]
            actions = format_html(
                """<td class="govuk-table__cell"><ul class="govuk-list">
          <li><a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> {}</span></a></li>
          <li><a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> {}</span></a></li>
        </ul></td>""",  # noqa: E501 (the cell's markup as the page has it)
                reverse("requests:dataitem-edit", args=args),
                change,
                item.name,
                reverse("requests:dataitem-remove", args=args),
                remove,
                item.name,
            )
        rows.append(
            format_html(
                """      <tr class="govuk-table__row">
        <td class="govuk-table__cell">{}{}</td>
        <td class="govuk-table__cell">{}</td>
        <td class="govuk-table__cell">{}</td>
        <td class="govuk-table__cell">{}</td>
        {}
      </tr>""",
                item.name,
                health if item.is_health_or_care else "",
                display(item, "category"),
                display(item, "identifiability"),
                linebreaksbr(item.necessity),
                actions,
            )
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (each row built by format_html)


@register.simple_tag(takes_context=True)
def answer_list(context, proposal, page: str, **parts):
    """The rows of one page's answers (answer_rows), each as answer_row writes it, with the
    summary's `editable` from the context. One tag for the list: a template loop calling
    answer_row cost about 40 µs a row, and a summary has twenty."""
    editable = context.get("editable")
    return mark_safe(  # noqa: S308 (each row built by format_html)
        "".join(
            _answer_row(row["key"], row["value"], row["url"], "", editable)
            for row in answer_rows(proposal, page, editable=editable, **parts)
        )
    )


@register.simple_tag(takes_context=True)
def answer_row(context, key, value, url="", about=""):
    """One row of the answers summary: the question, the answer (or "Not answered yet") and,
    when the summary is `editable` (from the context) and the row has a `url`, a link to
    change it that names the question and what it is `about`. A tag rather than an included
    template, which cost about 14 µs a row."""
    return _answer_row(key, value, url, about, context.get("editable"))


def _answer_row(key, value, url, about, editable):
    if value:
        answer = linebreaksbr(value)
    else:
        answer = format_html(
            '<span class="govuk-hint govuk-!-margin-0">{}</span>', _("Not answered yet")
        )
    change = ""
    if editable and url:
        change = format_html(
            '<dd class="govuk-summary-list__actions"><a class="govuk-link" href="{}">{}'
            '<span class="govuk-visually-hidden"> {}{}</span></a></dd>',
            url,
            _("Change"),
            str(key).lower(),
            format_html(" ({})", about) if about else "",
        )
    return format_html(
        """<div class="govuk-summary-list__row{}">
  <dt class="govuk-summary-list__key">{}</dt>
  <dd class="govuk-summary-list__value">{}</dd>
  {}
</div>
""",
        " govuk-summary-list__row--no-actions" if editable and not url else "",
        key,
        answer,
        change,
    )


@register.simple_tag
def party_summaries(proposal, participants, editable: bool):
    """Each party's part of the answers summary's Who card (includes/answers_who.html): its
    name, role, controller role and contact, with links to change it and remove it when
    `editable`. Built here rather than in the template, where a party cost about 90 µs (its
    three answer rows and the links reversed even when nothing links)."""
    keys = (_("Role in the sharing"), _("Controller role"), _("Contact"))
    lead = format_html(' <strong class="govuk-tag govuk-tag--purple">{}</strong>', _("Lead"))
    joint = format_html(
        '<div class="govuk-inset-text">{}</div>',
        _(
            "Joint controllers need an Article 26 arrangement that sets out their "
            "responsibilities, and people must be able to see its essence."
        ),
    )
    remove, from_it = _("Remove"), _("from the proposal")
    parts = []
    for first, party in enumerate(participants, start=1):
        name = party.organisation.name
        url = remove_part = ""
        if editable:
            args = [proposal.reference, party.pk]
            url = reverse("requests:participant-edit", args=args)
            if not party.is_lead:
                remove_part = format_html(
                    '<p class="govuk-body"><a class="govuk-link" href="{}">{}'
                    '<span class="govuk-visually-hidden"> {}</span> {}</a></p>',
                    reverse("requests:participant-remove", args=args),
                    remove,
                    name,
                    from_it,
                )
        values = (
            display(party, "role"),
            display(party, "controller_role"),
            party.contact_name + " – " + party.contact_email,
        )
        rows = "\n      ".join(
            _answer_row(key, value, url, name, editable)
            for key, value in zip(keys, values, strict=True)
        )
        parts.append(
            format_html(
                # The blank line is where the template reversed the party's URL.
                '\n    <h3 class="govuk-heading-s{}">{}{}</h3>'
                '\n    <dl class="govuk-summary-list">\n      \n      {}\n    </dl>'
                "\n    {}\n    {}\n    ",
                "" if first == 1 else " govuk-!-margin-top-6",
                name,
                lead if party.is_lead else "",
                mark_safe(rows),  # noqa: S308 (each row built by format_html)
                joint if party.controller_role == "joint" else "",
                remove_part,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 (each part built by format_html)


@register.simple_tag
def basis_rows(proposal, bases, editable: bool):
    """The rows of the answers summary's lawful bases (includes/answers_practical.html): each
    party's basis for each direction it shares in, its warnings, and a link to change or add
    it when `editable`. Built here rather than in the template, where a row cost about 60 µs
    and a proposal has a dozen."""
    labels = {
        "article9": _("Article 9:"),
        "schedule1": _("Schedule 1:"),
        "criminal_schedule1": _("Criminal offence data:"),
    }
    law_enforcement = format_html("<br>{}", _("Shares for law enforcement under DPA 2018 Part 3"))
    not_answered = format_html(
        '<span class="govuk-hint govuk-!-margin-0">{}</span>', _("Not answered yet")
    )
    warning_text = _("Warning")
    change, add, of = _("Change"), _("Add"), _("the lawful basis of")
    rows = []
    for row in bases:
        basis, name = row["basis"], row["participant"].organisation.name
        if basis:
            lines = [
                format_html(
                    "{}{}",
                    display(basis, "article6"),
                    format_html(": {}", display(basis, "annex1_condition"))
                    if basis.annex1_condition
                    else "",
                ),
                format_html("<br>{}", basis.legal_power) if basis.legal_power else "",
            ]
            lines += [
                format_html("<br>{} {}", labels[field], display(basis, field))
                if getattr(basis, field)
                else ""
                for field in labels
            ]
            lines.append(law_enforcement if basis.law_enforcement else "")
            lines.append(
                format_html_join(
                    "",
                    '<div class="govuk-warning-text govuk-!-margin-top-2 govuk-!-margin-bottom-0">'
                    '<span class="govuk-warning-text__icon" aria-hidden="true">!</span>'
                    '<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">'
                    "{}</span> {}</strong></div>",
                    ((warning_text, warning) for warning in row["warnings"]),
                )
            )
            value = mark_safe(  # noqa: S308 (each line built by format_html)
                "\n          " + "\n          ".join(lines) + "\n          "
            )
        else:
            value = not_answered
        actions = ""
        if editable:
            actions = format_html(
                '<dd class="govuk-summary-list__actions"><a class="govuk-link" href="{}">{}'
                '<span class="govuk-visually-hidden"> {} {}, {}</span></a></dd>',
                reverse(
                    "requests:lawful-basis",
                    args=[proposal.reference, row["participant"].pk, row["direction"]],
                ),
                change if basis else add,
                of,
                name,
                str(row["direction_label"]).lower(),
            )
        rows.append(
            format_html(
                """
      <div class="govuk-summary-list__row">
        <dt class="govuk-summary-list__key">{}<br><span class="govuk-body-s">{}</span></dt>
        <dd class="govuk-summary-list__value">
          {}
        </dd>
        {}
      </div>
      """,
                name,
                row["direction_label"],
                value,
                actions,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 (each row built by format_html)


@register.simple_tag
def timeline_rows(events):
    """The items of a proposal's timeline (includes/timeline.html): what happened, when, by
    whom for which organisation. Built here rather than in the template (about 25 µs an
    event)."""
    by = _("by")
    return mark_safe(  # noqa: S308 (each item built by format_html)
        "".join(
            format_html(
                """
  <li class="isf-timeline__item">
    <p class="govuk-body govuk-!-font-weight-bold govuk-!-margin-bottom-1">{}</p>
    <p class="govuk-body-s govuk-!-margin-bottom-0"><time datetime="{}">{}</time>{}{}</p>
  </li>
  """,
                event.description,
                # The date filter's "c" is isoformat(), without its format lookups.
                (moment := timezone.localtime(event.created_at)).isoformat(),
                date_filter(moment, "j F Y, H:i"),
                format_html(" {} {}", by, event.actor.full_name) if event.actor else "",
                format_html(", {}", event.organisation.short_name) if event.organisation else "",
            )
            for event in events
        )
    )
