"""The Greater Manchester demo data: complete, idempotent, never in production."""

import io

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from organisations import demo
from organisations.models import (
    Invitation,
    Membership,
    Organisation,
    Role,
    Sector,
    SteeringGroupMember,
    User,
)

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "steering seats": SteeringGroupMember.objects.count(),
        "groups": Group.objects.count(),
        "user memberships of groups": User.groups.through.objects.count(),
        "organisation history": Organisation.history.count(),
        "user history": User.history.count(),
        "membership history": Membership.history.count(),
        "steering group history": SteeringGroupMember.history.count(),
        "invitation history": Invitation.history.count(),
    }


def test_seed_demo_loads_the_greater_manchester_organisations_people_and_steering_group():
    call_command("seed_demo", stdout=io.StringIO())
    assert Organisation.objects.count() == len(demo.ORGANISATIONS) == 21
    # People: not the service accounts of the demo's API tokens (api/demo.py).
    people = User.objects.exclude(api_tokens__organisation__isnull=False)
    assert people.count() == len(demo.PEOPLE)
    councils = Organisation.objects.filter(sector=Sector.LOCAL_AUTHORITY)
    assert councils.count() == 10
    for slug in ["gmca", "tfgm", "gmfrs", "gmp", "probation-gm", "nhs-gm", "mft", "nca"]:
        assert Organisation.objects.filter(slug=slug).exists(), slug
    for organisation in Organisation.objects.all():
        organisation.full_clean()  # valid ICO numbers, ODS codes and the rest
    assert SteeringGroupMember.objects.count() == len(demo.STEERING_GROUP)
    assert SteeringGroupMember.objects.get(is_chair=True).user.email == "ruth.adeyemi@gmca.example"
    # Every role is held somewhere, and someone holds roles in two organisations.
    for role in Role:
        assert Membership.objects.filter(**{f"is_{role.value}": True}).exists(), role
    assert User.objects.get(email="chris.evans@bolton.example").memberships.count() == 2
    assert User.objects.get(email="admin@gmca.example").is_staff
    demo_user = User.objects.get(email="priya.shah@manchester.example")
    assert demo_user.check_password(demo.DEMO_PASSWORD)
    # Role groups are in step with the memberships.
    manchester = Organisation.objects.get(slug="manchester")
    assert demo_user.groups.filter(name=f"org-{manchester.pk}-member").exists()


def every_table() -> dict[str, int]:
    """Rows in every table, history included, whatever later issues add to the demo."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    first, first_tables = counts(), every_table()
    assert first["organisations"] > 0 and first["membership history"] > 0
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
    assert every_table() == first_tables


def test_seed_demo_puts_back_what_someone_changed_recording_it_once():
    demo.seed()
    gmp = Organisation.objects.get(slug="gmp")
    gmp.dpo_name = "Someone Else"
    gmp.save()
    before = counts()
    demo.seed()
    gmp.refresh_from_db()
    assert gmp.dpo_name == "GMP Data Protection Officer"
    assert gmp.history.first().history_change_reason == "isf.demo.organisation"
    after = counts()
    assert after["organisation history"] == before["organisation history"] + 1
    assert {k: v for k, v in after.items() if k != "organisation history"} == {
        k: v for k, v in before.items() if k != "organisation history"
    }


def test_demo_accounts_sign_in_with_the_published_password(client):
    demo.seed()
    response = client.post(
        "/account/sign-in/",
        {"username": "helen.clarke@manchester.example", "password": demo.DEMO_PASSWORD},
    )
    assert response.status_code == 302
    page = client.get("/organisations/manchester/")
    assert page.status_code == 200
    assert "Helen Clarke" in page.content.decode()


def test_seed_demo_refuses_to_run_with_production_settings(settings):
    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert Organisation.objects.count() == 0
    assert User.objects.count() == 0
