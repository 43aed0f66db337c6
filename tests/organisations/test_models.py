"""Model validation and the invariants the database itself enforces."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from organisations.models import (
    Invitation,
    Membership,
    Organisation,
    Role,
    Sector,
    SteeringGroupMember,
    User,
)
from tests.factories import OrganisationFactory, SteeringGroupMemberFactory, UserFactory

ICO_FORMAT_MESSAGE = (
    "Enter an ICO registration number in the correct format, like Z1234567 or ZA123456"
)


def an_organisation(**fields) -> Organisation:
    """An unsaved organisation whose every other field is valid."""
    values = {
        "name": "Moss Side Community Trust",
        "short_name": "MSCT",
        "slug": "moss-side",
        "sector": Sector.VCFSE,
        "ico_registration_number": "Z1234567",
        "dpo_name": "Dee Pio",
        "dpo_email": "dpo@moss-side.example",
    }
    values.update(fields)
    return Organisation(**values)


@pytest.mark.django_db
class TestIcoRegistrationNumber:
    @pytest.mark.parametrize(
        "number",
        [
            "Z123456",  # too short
            "A1234567",  # must start with Z
            "ZA12345",  # letter form too short
            "ZAB12345",  # two letters
            "Z12A4567",  # letter in the wrong place
            "z1234567",  # the model itself expects capitals; the form normalises
            "Z 123456",
            "",
        ],
    )
    def test_bad_ico_registration_number_is_rejected(self, number):
        with pytest.raises(ValidationError) as raised:
            an_organisation(ico_registration_number=number).full_clean()
        assert "ico_registration_number" in raised.value.message_dict
        if number:
            assert raised.value.message_dict["ico_registration_number"] == [ICO_FORMAT_MESSAGE]

    @pytest.mark.parametrize("number", ["Z1234567", "ZA123456", "ZX900001"])
    def test_ico_registration_number_in_either_real_format_is_accepted(self, number):
        organisation = an_organisation(ico_registration_number=number)
        organisation.full_clean()
        organisation.save()
        organisation.refresh_from_db()
        assert organisation.ico_registration_number == number


@pytest.mark.django_db
class TestOdsCode:
    @pytest.mark.parametrize("code", ["r0a", "R0", "R0A-1", "QOP 1", "R0A1234"])
    def test_bad_ods_code_is_rejected(self, code):
        with pytest.raises(ValidationError) as raised:
            an_organisation(sector=Sector.NHS, ods_code=code, dspt_status="met").full_clean()
        assert "ods_code" in raised.value.message_dict

    @pytest.mark.parametrize("code", ["R0A", "QOP", "RM3", "Y02345", ""])
    def test_ods_code_of_3_to_6_capitals_and_digits_or_none_is_accepted(self, code):
        an_organisation(sector=Sector.NHS, ods_code=code, dspt_status="met").full_clean()


def test_nhs_and_council_organisations_report_their_dspt_status_and_others_do_not():
    assert an_organisation(sector=Sector.NHS).reports_dspt
    assert an_organisation(sector=Sector.LOCAL_AUTHORITY).reports_dspt
    assert not an_organisation(sector=Sector.POLICE).reports_dspt
    assert not an_organisation(sector=Sector.HOUSING).reports_dspt


@pytest.mark.django_db
def test_duplicate_membership_is_refused_by_the_database(org_a):
    user = UserFactory()
    Membership.objects.create(user=user, organisation=org_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, organisation=org_a, is_approver=True)
    assert Membership.objects.filter(user=user, organisation=org_a).count() == 1


@pytest.mark.django_db
def test_same_person_may_be_a_member_of_several_organisations(org_a, org_b):
    user = UserFactory()
    Membership.objects.create(user=user, organisation=org_a)
    Membership.objects.create(user=user, organisation=org_b, is_approver=True)
    assert set(user.memberships.values_list("organisation__slug", flat=True)) == {
        "ardwick",
        "bradford-park",
    }


@pytest.mark.django_db
def test_steering_group_has_one_chair_only():
    SteeringGroupMemberFactory(is_chair=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        SteeringGroupMemberFactory(is_chair=True)
    assert SteeringGroupMember.objects.filter(is_chair=True).count() == 1


@pytest.mark.django_db
def test_second_chair_fails_validation_before_reaching_the_database():
    SteeringGroupMemberFactory(is_chair=True)
    second = SteeringGroupMember(
        user=UserFactory(), organisation=OrganisationFactory(), is_chair=True
    )
    with pytest.raises(ValidationError):
        second.full_clean()


@pytest.mark.django_db
def test_steering_group_may_have_many_members_who_are_not_chair():
    SteeringGroupMemberFactory(is_chair=True)
    SteeringGroupMemberFactory(is_chair=False)
    SteeringGroupMemberFactory(is_chair=False)
    assert SteeringGroupMember.objects.count() == 3


@pytest.mark.django_db
def test_email_addresses_are_unique_whatever_their_case():
    UserFactory(email="case@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="CASE@example.org", full_name="Shouty Case")


@pytest.mark.django_db
def test_create_user_stores_the_address_in_lower_case_and_signs_in_by_any_case():
    user = User.objects.create_user("Mixed.Case@Example.ORG", "a-long-pass-phrase", full_name="M C")
    user.refresh_from_db()
    assert user.email == "mixed.case@example.org"
    assert User.objects.get_by_natural_key("MIXED.CASE@example.org") == user


@pytest.mark.django_db
def test_one_open_invitation_per_address_and_organisation(org_a, admin_a):
    def open_invitation(email, token_hash):
        return Invitation.objects.create(
            organisation=org_a,
            email=email,
            token_hash=token_hash,
            invited_by=admin_a,
            expires_at=timezone.now() + timezone.timedelta(days=7),
        )

    first = open_invitation("twice@ardwick.example", "a" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        open_invitation("TWICE@ardwick.example", "b" * 64)
    # Once the first is cancelled a new one may be sent.
    first.cancelled_at = timezone.now()
    first.save()
    open_invitation("twice@ardwick.example", "c" * 64)
    assert Invitation.objects.filter(organisation=org_a).count() == 2


def test_roles_are_set_and_read_back_and_no_roles_reads_as_read_only():
    membership = Membership()
    membership.set_roles([Role.APPROVER, "signatory"])
    assert membership.roles == [Role.APPROVER, Role.SIGNATORY]
    assert not membership.is_member
    assert membership.role_labels == ["Approver", "Signatory"]
    membership.set_roles([])
    assert membership.roles == []
    assert membership.role_labels == ["Read only"]


def test_unknown_role_is_refused():
    with pytest.raises(ValueError):
        Membership().set_roles(["emperor"])


@pytest.mark.django_db
def test_steering_seat_puts_its_holder_in_the_steering_group_group_and_removal_takes_them_out():
    seat = SteeringGroupMemberFactory()
    assert seat.user.groups.filter(name="steering-group").exists()
    holder = seat.user
    seat.delete()
    assert not holder.groups.filter(name="steering-group").exists()


@pytest.mark.django_db
def test_steering_seat_handed_to_someone_else_takes_the_access_from_the_previous_holder():
    seat = SteeringGroupMemberFactory()
    previous, successor = seat.user, UserFactory()
    seat.user = successor  # as portal staff do in Django admin
    seat.save()
    assert successor.groups.filter(name="steering-group").exists()
    assert not previous.groups.filter(name="steering-group").exists()
