import factory
from django.utils import timezone

from organisations.models import Membership, Organisation, Sector, SteeringGroupMember, User
from organisations.services import membership_grant

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    job_title = "Information Governance Officer"
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Test Borough Council {n}")
    short_name = factory.Sequence(lambda n: f"TBC{n}")
    slug = factory.Sequence(lambda n: f"test-borough-{n}")
    sector = Sector.LOCAL_AUTHORITY
    ico_registration_number = factory.Sequence(lambda n: f"ZX{n % 1_000_000:06d}")
    dpo_name = "Data Protection Officer"
    dpo_email = factory.LazyAttribute(lambda o: f"dpo@{o.slug}.example")
    dspt_status = "met"


def member_of(organisation, *roles, user=None, **user_fields):
    """A user holding `roles` at `organisation` (no roles: read only)."""
    user = user or UserFactory(**user_fields)
    membership_grant(user=user, organisation=organisation, roles=list(roles))
    return user


def membership(user, organisation) -> Membership:
    return Membership.objects.get(user=user, organisation=organisation)


class SteeringGroupMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SteeringGroupMember

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    is_chair = False
    joined_on = factory.LazyFunction(timezone.localdate)
