"""The register's page read compiled once per shape (register.page_entries) and the public
register's list read (views/public.py): the same rows, in the same order, with the same
total, as the ORM's querysets they replace, whoever reads them and whatever the filters; a
search's words bound as LIKE patterns, escaped as `icontains` escapes them; data items found
only by those who may read them."""

import pytest
from django.urls import reverse

from agreements import publication, register
from agreements.models import Agreement, AgreementStatus
from agreements.register import RegisterFilters
from agreements.views.public import _list_rows
from tests.agreements.register_builders import make_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreements(org_a, org_b, org_c):
    fire = make_agreement(org_a, org_b, title="Fire-risk referrals")
    fire.search_detail = "Pseudonymised NHS number\nFire and Rescue Services Act 2004 s.6"
    fire.save()
    make_agreement(org_a, org_c, title="Hoarding panel", status=AgreementStatus.EXPIRED)
    make_agreement(org_b, org_c, title="Risk of fire in tower blocks")
    make_agreement(org_b, org_c, title="Safeguarding referrals 100%")
    make_agreement(org_a, org_b, title="Under_score care")
    return fire


def _orm(filters, user, offset=0, limit=25):
    entries = register.register_entries(filters=filters, user=user).prefetch_related(None)
    found = list(entries[offset : offset + limit])
    return [a.pk for a in found], entries.count()


def _compiled(filters, user, offset=0, limit=25):
    rows = register.page_entries(filters, user=user, offset=offset, limit=limit)
    return [a.pk for a in rows], (rows[0]._total if rows else 0), rows


@pytest.mark.parametrize(
    "filters",
    [
        RegisterFilters(),
        RegisterFilters(status=register.ANY_STATUS),
        RegisterFilters(q="fire", status=register.ANY_STATUS),
        RegisterFilters(q="fire risk", status=register.ANY_STATUS, sort="title"),
        RegisterFilters(q="referrals", descending=True, sort="title"),
        RegisterFilters(q="pseudonymised", status=register.ANY_STATUS),
        RegisterFilters(q="100%", status=register.ANY_STATUS),  # LIKE's wildcards escaped
        RegisterFilters(q="r_s", status=register.ANY_STATUS),
        RegisterFilters(q="under_score", status=register.ANY_STATUS),
        RegisterFilters(status=AgreementStatus.EXPIRED),
        RegisterFilters(category="personal", status=register.ANY_STATUS, sort="-end"),
        RegisterFilters(category="special", status=register.ANY_STATUS, sort="review"),
    ],
)
@pytest.mark.parametrize("persona", ["member_a", "outsider", "steering_member"])
def test_compiled_page_is_the_orm_page(agreements, filters, persona, request):
    user = request.getfixturevalue(persona)
    pks, total, rows = _compiled(filters, user)
    assert (pks, total) == _orm(filters, user)
    readable = set(
        register.permissions.visible_to(user=user).values_list("content_object_id", flat=True)
    )
    assert {a.pk for a in rows if a.may_open} == readable & set(pks)


def test_compiled_page_with_an_organisation_and_an_offset(agreements, org_a, org_c, member_a):
    for organisation in (org_a, org_c):
        filters = RegisterFilters(organisation_id=organisation.pk, status=register.ANY_STATUS)
        for offset in (0, 1, 2, 10):
            pks, total, _rows = _compiled(filters, member_a, offset=offset, limit=2)
            orm_pks, orm_total = _orm(filters, member_a, offset=offset, limit=2)
            assert pks == orm_pks
            assert total == (orm_total if pks else 0)


def test_data_items_found_only_by_their_readers(agreements, member_a, outsider):
    filters = RegisterFilters(q="pseudonymised", status=register.ANY_STATUS)
    assert _compiled(filters, member_a)[0] == [agreements.pk]
    assert _compiled(filters, outsider)[0] == []  # and again, compiled already
    assert _compiled(filters, member_a)[0] == [agreements.pk]


def test_register_page_is_two_queries_for_its_rows(client_for, agreements, member_a):
    client = client_for(member_a)
    client.get(reverse("agreements:register"))
    page = client.get(reverse("agreements:register"), {"q": "fire", "status": "any"})
    text = page.content.decode()
    assert "2 agreements" in text and agreements.reference in text


def test_register_page_past_the_end_is_the_last_page(client_for, agreements, member_a):
    page = client_for(member_a).get(reverse("agreements:register"), {"status": "any", "page": "9"})
    assert page.context["page"].number == 1
    assert len(page.context["page"].object_list) == 5


# --- The public register ---------------------------------------------------------------------
def _publish(agreement, purpose):
    from django.utils import timezone

    agreement.published_at = timezone.now()
    agreement.save(update_fields=["published_at"])
    if agreement.version_id:
        version = agreement.version
        version.snapshot = {**(version.snapshot or {}), "vision": {"text": purpose}}
        version.save(update_fields=["snapshot"])


def test_public_list_rows_are_the_public_entries(agreement):
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.ACTIVE)
    agreement.refresh_from_db()
    _publish(agreement, "Fewer <fires> & safer homes")
    for q in ("", agreement.title.split()[0], "nothing-like-it", "100%"):
        expected = list(publication.public_entries(q))
        rows = _list_rows(q, 0)
        assert [row[0] for row in rows] == [a.pk for a in expected]
        summaries = publication.public_rows(expected)
        assert [row[-2] or "" for row in rows] == [s["purpose"] for s in summaries]
        assert all(row._total == len(expected) for row in rows)


def test_public_list_page_escapes_the_purpose(client, agreement):
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.ACTIVE)
    agreement.refresh_from_db()
    _publish(agreement, "Fewer <fires> & safer homes")
    text = client.get(reverse("public-register:list")).content.decode()
    assert "Fewer &lt;fires&gt; &amp; safer homes" in text
    last = client.get(reverse("public-register:list"), {"page": "7"}).content.decode()
    assert "Fewer &lt;fires&gt; &amp; safer homes" in last  # past the end: the last page


@pytest.mark.parametrize("number", ["9", "41", "100000"])
def test_pages_far_on_are_the_last_page_too(
    client_for, client, agreements, agreement, member_a, number
):
    """The first pages are compiled reads, those further on the ORM's: the same last page."""
    page = client_for(member_a).get(
        reverse("agreements:register"), {"status": "any", "page": number}
    )
    assert page.context["page"].number == page.context["page"].paginator.num_pages
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.ACTIVE)
    agreement.refresh_from_db()
    _publish(agreement, "Fewer fires")
    text = client.get(reverse("public-register:list"), {"page": number}).content.decode()
    assert "Fewer fires" in text and agreement.reference in text


def test_register_filters_are_written_once_for_the_same_values(
    client_for, agreements, member_a, monkeypatch
):
    # django-filter builds the register's form class anew on every request: the field groups
    # kept by isf_portal.forms.written_field_groups are still found on the next request
    # (keyed by the class's name and bases), and are what Django's template writes.
    from django.forms import BoundField

    from isf_portal import forms

    forms._WRITTEN_GROUPS.clear()
    client = client_for(member_a)
    first = client.get(reverse("agreements:register"), {"q": "fire"})
    assert first.status_code == 200
    form = first.context["form"]
    assert form.field_groups() == {name: form[name].as_field_group() for name in form.CACHED_FIELDS}
    written = []
    original = BoundField.as_field_group
    monkeypatch.setattr(
        BoundField, "as_field_group", lambda self: written.append(self.name) or original(self)
    )
    second = client.get(reverse("agreements:register"), {"q": "fire"})
    assert second.status_code == 200
    assert type(second.context["form"]) is not type(form)
    assert written == []
    assert second.content.decode().count('name="q"') == first.content.decode().count('name="q"')
