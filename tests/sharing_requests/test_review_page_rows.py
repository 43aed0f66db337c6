"""The review page's table of decisions and frozen proposal, written by template tags: the
same markup as the template loops they replaced, every value escaped."""

import datetime

from django.template import Context, Template
from django.utils import timezone
from django.utils.translation import gettext_lazy

from organisations.models import Organisation, User
from sharing_requests.models import OrganisationDecision

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# The template loop the tag replaced (includes/decisions.html), kept to compare markup.
TEMPLATE_LOOP = """{% load i18n proposals %}
  {% for d in review.decisions.all %}
  <tr class="govuk-table__row">
    <td class="govuk-table__cell">{{ d.organisation.name }}</td>
    <td class="govuk-table__cell">
      <strong class="govuk-tag {% if d.status == 'approved' %}govuk-tag--green{% elif d.status == 'declined' %}govuk-tag--red{% elif d.status == 'changes_requested' %}govuk-tag--orange{% else %}govuk-tag--grey{% endif %}">{{ d.get_status_display }}</strong>
      {% if d.comment %}<p class="govuk-body-s govuk-!-margin-top-2 govuk-!-margin-bottom-0">{{ d.comment|linebreaksbr }}</p>{% endif %}
      {% if d.sections %}<p class="govuk-body-s govuk-!-margin-bottom-0">{% translate "Sections:" %} {{ d.sections|section_labels }}</p>{% endif %}
    </td>
    <td class="govuk-table__cell">{% if d.decided_by %}{{ d.decided_by.full_name }}{% if d.on_behalf_of %} ({% blocktranslate with name=d.on_behalf_of.full_name %}for {{ name }}{% endblocktranslate %}){% endif %}<br><time class="govuk-body-s" datetime="{{ d.decided_at|date:'c' }}">{{ d.decided_at|date:"j M Y, H:i" }}</time>{% else %}–{% endif %}</td>
  </tr>
  {% endfor %}
"""  # noqa: E501
TAG = """{% load review_page %}
  {% decision_rows review %}
"""


class _Decisions(list):
    def all(self):
        return self


class _Round:
    def __init__(self, decisions):
        self.decisions = _Decisions(decisions)


def _decision(status, *, org="Salford & Co", comment="", sections=(), by=None, for_=None, at=None):
    decision = OrganisationDecision(
        organisation=Organisation(name=org, short_name=org),
        status=status,
        comment=comment,
        sections=list(sections),
    )
    if by:
        decision.decided_by = User(full_name=by)
        decision.decided_at = at or timezone.make_aware(datetime.datetime(2026, 1, 31, 23, 30))
    if for_:
        decision.on_behalf_of = User(full_name=for_)
    return decision


def _render(source, decisions):
    return Template(source).render(Context({"review": _Round(decisions)}))


def test_the_rows_are_the_template_loops_markup_for_every_kind_of_decision():
    decisions = [
        _decision("pending"),
        _decision("approved", by="Ann Approver"),
        _decision(
            "changes_requested",
            comment="Line one\nline two",
            sections=["how", "practical", "unknown-key"],
            by="Dee Delegate",
            for_="Ann Approver",
        ),
        _decision("declined", comment="No", by="Bo"),
        _decision("withdrawn"),
    ]
    assert _render(TAG, decisions) == _render(TEMPLATE_LOOP, decisions)


def test_the_decision_times_are_the_date_filters_in_local_time():
    utc = datetime.UTC
    decisions = [
        _decision("approved", by="Ann", at=datetime.datetime(2026, 7, 31, 23, 5, tzinfo=utc)),
        _decision("approved", by="Bo", at=datetime.datetime(2026, 3, 1, 0, 0, tzinfo=utc)),
        _decision("declined", by="Cy", at=datetime.datetime(2027, 10, 9, 8, 7, tzinfo=utc)),
    ]
    html = _render(TAG, decisions)
    assert html == _render(TEMPLATE_LOOP, decisions)
    # British summer time: the next day, an hour on.
    assert ">1 Aug 2026, 00:05</time>" in html
    assert ">1 Mar 2026, 00:00</time>" in html


def test_no_decisions_write_no_rows():
    assert _render(TAG, []) == _render(TEMPLATE_LOOP, []) == "\n  \n"


def test_every_value_is_escaped():
    decision = _decision(
        "declined",
        org=SCRIPT,
        comment=f"{SCRIPT}\nsecond line",
        by=f"{SCRIPT} Name",
        for_=f"{SCRIPT} Approver",
    )
    html = _render(TAG, [decision])
    assert SCRIPT not in html
    assert html.count(ESCAPED) == 4
    assert f"{ESCAPED}<br>second line" in html
    assert f"({'for'} {ESCAPED} Approver)" in html
    assert html == _render(TEMPLATE_LOOP, [decision])


# The frozen proposal's cards and rows (includes/frozen.html), written by `frozen_cards`.
FROZEN_LOOP = """{% for label, rows in frozen %}
<div class="govuk-summary-card">
  <div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">{{ forloop.counter }}. {{ label }}</h3></div>
  <div class="govuk-summary-card__content"><dl class="govuk-summary-list">
    {% for question, answer in rows %}
    <div class="govuk-summary-list__row govuk-summary-list__row--no-actions">
      <dt class="govuk-summary-list__key">{{ question }}</dt>
      <dd class="govuk-summary-list__value">{{ answer|linebreaksbr|default:"–" }}</dd>
    </div>
    {% endfor %}
  </dl></div>
</div>
{% endfor %}"""  # noqa: E501
FROZEN_TAG = """{% load review_page %}{% frozen_cards frozen %}"""


def test_the_frozen_cards_are_the_template_loops_markup_and_escaped():
    rows = [
        ("Purpose", "One\nTwo"),
        ("Empty", ""),
        (f"Question {SCRIPT}", f"{SCRIPT}\n& more"),
    ]
    frozen = [("Purpose & aims", rows), (gettext_lazy("Needs"), []), (SCRIPT, rows[:1])]
    html = Template(FROZEN_TAG).render(Context({"frozen": frozen}))
    assert html == Template(FROZEN_LOOP).render(Context({"frozen": frozen}))
    assert "3. " + ESCAPED + "</h3>" in html
    assert Template(FROZEN_TAG).render(Context({"frozen": []})) == ""
    assert SCRIPT not in html
    assert f"Question {ESCAPED}</dt>" in html
    assert f"{ESCAPED}<br>&amp; more</dd>" in html
    assert '<dd class="govuk-summary-list__value">–</dd>' in html
    assert "One<br>Two" in html
