"""The agreement page's table of signatures, its rows written by the `signature_table`
template tag: the markup of the template loop it replaced, every value escaped."""

import datetime

from django.template import Context, Template
from django.utils import timezone

from agreements.models import AgreementParty, AgreementStatus, Signature

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# The loop the tag replaced (agreements/agreement.html), kept to compare markup.
TEMPLATE_LOOP = """{% load i18n %}
    {% for row in signature_rows %}<tr class="govuk-table__row">
      <td class="govuk-table__cell">{{ row.party.name }}</td>
      <td class="govuk-table__cell">{{ row.capacity_label }}</td>
      <td class="govuk-table__cell">{% if row.signature %}{{ row.signature.name }}, {{ row.signature.job_title }}<br><span class="govuk-body-s"><time datetime="{{ row.signature.signed_at|date:'c' }}">{{ row.signature.signed_at|date:"j F Y, H:i" }}</time><br>{{ row.signature.get_method_display }}</span>{% elif agreement.status == "awaiting_signatures" %}<strong class="govuk-tag govuk-tag--yellow">{% translate "Waiting" %}</strong>{% else %}–{% endif %}</td>
    </tr>
    {% endfor %}
"""  # noqa: E501
TAG = """{% load agreement_page %}
    {% signature_table signature_rows agreement.status %}
"""


def _rows(name=SCRIPT):
    signature = Signature(
        name=name,
        job_title=f"Chief {SCRIPT}",
        signed_at=timezone.make_aware(datetime.datetime(2026, 3, 29, 0, 30)),
    )
    party = AgreementParty(name=f"Party {SCRIPT} & Co")
    return [
        {"party": party, "capacity_label": "Caldicott <Guardian>", "signature": signature},
        {"party": party, "capacity_label": "Senior officer", "signature": None},
    ]


def _render(source, rows, status):
    class _Agreement:
        pass

    agreement = _Agreement()
    agreement.status = status
    return Template(source).render(Context({"signature_rows": rows, "agreement": agreement}))


def test_the_rows_are_the_template_loops_markup_in_every_status():
    for status in (AgreementStatus.AWAITING_SIGNATURES, AgreementStatus.ACTIVE):
        for rows in (_rows(), []):
            assert _render(TAG, rows, status) == _render(TEMPLATE_LOOP, rows, status)


def test_every_value_is_escaped_and_the_unsigned_row_waits():
    html = _render(TAG, _rows(), AgreementStatus.AWAITING_SIGNATURES)
    assert SCRIPT not in html
    assert html.count(ESCAPED) == 4  # party twice, the signatory's name and job title
    assert "Caldicott &lt;Guardian&gt;" in html
    assert "Party &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert '<strong class="govuk-tag govuk-tag--yellow">Waiting</strong>' in html
    assert "–" not in html
    assert "–</td>" in _render(TAG, _rows(), AgreementStatus.ACTIVE)
