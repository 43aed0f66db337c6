"""Two people saving the same section: the second gets a conflict message, never a silent
overwrite, and keeps their answers."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client

from sharing_requests import services
from sharing_requests.choices import Section
from sharing_requests.models import DataItem, LawfulBasis, Participant

from .conftest import fresh, invite, url

pytestmark = pytest.mark.django_db

REVISION = re.compile(r'name="revision" value="(\d+)"')


def browser(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def opened_revision(client, address) -> str:
    response = client.get(address)
    assert response.status_code == 200
    return REVISION.search(response.content.decode())[1]


def purpose(title):
    return {"title": title, "problem": f"Problem {title}", "benefits": f"Benefits {title}"}


def how(method):
    return {
        "transfer_method": method,
        "frequency": "weekly",
        "security_measures": "Encryption",
        "access_controls": "Team",
        "storage_location": "UK",
    }


def vision(outcome):
    return {
        "for_who": "people",
        "need": "need help",
        "proposal_name": "the scheme",
        "outcome": outcome,
        "data_shared": "names",
        "between_whom": "us",
        "today": "now",
        "benefit": "help",
        "action": "save",
    }


def dataitem(name):
    return {
        "name": name,
        "category": "personal",
        "identifiability": "identifiable",
        "necessity": "Needed",
    }


def party(contact):
    return {
        "role": "recipient",
        "controller_role": "controller",
        "contact_name": contact,
        "contact_email": "contact@bpnt.example",
    }


def basis(power):
    return {"article6": "e", "legal_power": power}


def saved_title(p):
    return fresh(p).title


def saved_method(p):
    return fresh(p).transfer_method


def saved_outcome(p):
    return fresh(p).vision.outcome


def saved_item(p):
    return DataItem.objects.get(proposal=p).name


def saved_contact(p):
    return Participant.objects.get(proposal=p, is_lead=False).contact_name


def saved_power(p):
    return LawfulBasis.objects.get(participant__proposal=p, direction="receiving").legal_power


# name, extra arguments (from `rows`), form data builder, what was saved, the answer's field
PAGES = [
    ("purpose-edit", [], purpose, saved_title, "title"),
    ("how-edit", [], how, saved_method, "transfer_method"),
    ("vision", [], vision, saved_outcome, "outcome"),
    ("dataitem-edit", ["dataitem"], dataitem, saved_item, "name"),
    ("participant-edit", ["partner"], party, saved_contact, "contact_name"),
    ("lawful-basis", ["partner", "receiving"], basis, saved_power, "legal_power"),
]


@pytest.fixture
def rows(complete_proposal, org_b):
    p = complete_proposal
    return {
        "dataitem": DataItem.objects.get(proposal=p).pk,
        "partner": Participant.objects.get(proposal=p, organisation=org_b).pk,
        "receiving": "receiving",
    }


@pytest.mark.parametrize("name, extra, data, saved, field", PAGES, ids=[page[0] for page in PAGES])
def test_second_save_of_the_same_section_gets_a_conflict_and_keeps_its_answers(
    complete_proposal, rows, member_a, colleague_a, name, extra, data, saved, field
):
    p = complete_proposal
    address = url(name, p, *[rows[key] for key in extra])
    first, second = browser(member_a), browser(colleague_a)
    first_revision = opened_revision(first, address)
    second_revision = opened_revision(second, address)
    assert first_revision == second_revision

    response = first.post(address, {**data("First answer"), "revision": first_revision})
    assert response.status_code == 302
    response = second.post(address, {**data("Second answer"), "revision": second_revision})

    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Mia Member saved this section at" in html
    assert "have not been saved" in html
    # Their answers are kept, in an input or a textarea.
    assert 'value="Second answer"' in html or ">\nSecond answer</textarea>" in html
    assert saved(p) == "First answer"  # nothing overwritten


def test_after_a_conflict_saving_again_replaces_the_other_version(
    complete_proposal, member_a, colleague_a
):
    p = complete_proposal
    address = url("purpose-edit", p)
    first, second = browser(member_a), browser(colleague_a)
    revision = opened_revision(first, address)
    first.post(address, {**purpose("First answer"), "revision": revision})
    conflict = second.post(address, {**purpose("Second answer"), "revision": revision})
    new_revision = REVISION.search(conflict.content.decode())[1]
    assert new_revision != revision

    response = second.post(address, {**purpose("Second answer"), "revision": new_revision})

    assert response.status_code == 302
    assert fresh(p).title == "Second answer"


def test_adding_rows_at_the_same_time_never_conflicts(complete_proposal, member_a, colleague_a):
    p = complete_proposal
    address = url("dataitem-add", p)
    first, second = browser(member_a), browser(colleague_a)
    revision = opened_revision(first, address)
    opened_revision(second, address)

    assert first.post(address, {**dataitem("One"), "revision": revision}).status_code == 302
    assert second.post(address, {**dataitem("Two"), "revision": revision}).status_code == 302
    assert set(DataItem.objects.filter(proposal=p).values_list("name", flat=True)) >= {
        "One",
        "Two",
    }


# --- Real concurrency (PostgreSQL row locks) -------------------------------------------------
def _at_once(*calls):
    """Run the calls in threads released together; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # the test inspects it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_of_one_section_let_exactly_one_through(
    postgres, org_a, member_a, colleague_a
):
    p = services.proposal_create(lead_organisation=org_a, title="Race", by=member_a)
    opened = services.section_revision(p, Section.PURPOSE)

    results = _at_once(
        lambda: services.vision_update(
            proposal=p, parts={"outcome": "first"}, by=member_a, revision=opened
        ),
        lambda: services.vision_update(
            proposal=p, parts={"outcome": "second"}, by=colleague_a, revision=opened
        ),
    )

    conflicts = [r for r in results if isinstance(r, services.ConflictError)]
    saved = [r for r in results if not isinstance(r, Exception)]
    assert len(conflicts) == 1 and len(saved) == 1, results
    assert fresh(p).vision.outcome == saved[0].outcome


@pytest.mark.django_db(transaction=True)
def test_simultaneous_starts_get_different_references(postgres, org_a, member_a, colleague_a):
    results = _at_once(
        lambda: services.proposal_create(lead_organisation=org_a, title="A", by=member_a),
        lambda: services.proposal_create(lead_organisation=org_a, title="B", by=colleague_a),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.reference[-4:] for r in results) == ["0001", "0002"]


# --- Adding the same lawful basis twice (one basis per party and direction) ------------------
def add_basis(proposal, organisation, *, by, power):
    party = Participant.objects.get(proposal=proposal, organisation=organisation)
    return services.lawful_basis_save(
        proposal=proposal,
        instance=LawfulBasis(participant=party, direction="receiving"),
        data=basis(power),
        by=by,
    )


def test_adding_a_basis_someone_has_just_added_is_a_conflict_not_an_integrity_error(
    proposal, org_b, member_a, colleague_a
):
    add_basis(proposal, org_b, by=member_a, power="First power")

    with pytest.raises(services.ConflictError) as raised:
        add_basis(proposal, org_b, by=colleague_a, power="Second power")

    assert "Mia Member saved this section at" in str(raised.value)
    # The failed insert rolled back to its savepoint: the transaction goes on.
    assert saved_power(proposal) == "First power"
    assert LawfulBasis.objects.filter(participant__proposal=proposal).count() == 1


def test_a_basis_added_while_the_form_was_filled_in_gives_the_conflict_page(
    proposal, org_b, member_a, colleague_a, monkeypatch
):
    from sharing_requests.forms import LawfulBasisForm
    from sharing_requests.views import parties

    class ColleagueAddsItFirst(LawfulBasisForm):
        """Between this form's validation and its save, a colleague adds the same basis."""

        def clean(self):
            add_basis(proposal, org_b, by=member_a, power="First power")
            return super().clean()

    monkeypatch.setattr(parties, "LawfulBasisForm", ColleagueAddsItFirst)
    partner = Participant.objects.get(proposal=proposal, organisation=org_b)
    address = url("lawful-basis", proposal, partner.pk, "receiving")
    second = browser(colleague_a)
    revision = opened_revision(second, address)

    response = second.post(address, {**basis("Second power"), "revision": revision})

    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Mia Member saved this section at" in html
    assert 'value="Second power"' in html
    assert saved_power(proposal) == "First power"

    monkeypatch.setattr(parties, "LawfulBasisForm", LawfulBasisForm)
    new_revision = REVISION.search(html)[1]
    response = second.post(address, {**basis("Second power"), "revision": new_revision})
    assert response.status_code == 302
    assert saved_power(proposal) == "Second power"


@pytest.mark.django_db(transaction=True)
def test_adding_the_same_basis_at_the_same_instant_saves_one_and_shows_the_other_a_conflict(
    postgres, org_a, org_b, member_a, colleague_a
):
    p = services.proposal_create(lead_organisation=org_a, title="Race", by=member_a)
    invite(p, org_b, by=member_a)

    results = _at_once(
        lambda: add_basis(p, org_b, by=member_a, power="first"),
        lambda: add_basis(p, org_b, by=colleague_a, power="second"),
    )

    conflicts = [r for r in results if isinstance(r, services.ConflictError)]
    saved = [r for r in results if not isinstance(r, Exception)]
    assert len(conflicts) == 1 and len(saved) == 1, results
    assert saved_power(p) == saved[0].legal_power
