"""The README's demo accounts table says who the demo data creates, with their roles."""

import re
from pathlib import Path

import pytest

from organisations import demo
from organisations.models import Membership, Role, SteeringGroupMember, User

README = Path(__file__).resolve().parent.parent / "README.md"
ROLE_NAMES = {str(label).lower(): value for value, label in Role.choices}


def demo_accounts_table() -> dict[str, tuple[str, str]]:
    """{e-mail: (who, roles)} from the table under "### Demo accounts"."""
    text = README.read_text()
    section = text.split("### Demo accounts", 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and "@" in cells[0]:
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def parse_roles(cell: str) -> tuple[set[str], str]:
    """(organisation roles, steering-group seat) from a cell such as
    "member, approver, signatory (SIRO); **steering-group chair**"."""
    roles, _sep, steering = cell.replace("*", "").partition(";")
    named = {re.sub(r"\(.*?\)", "", role).strip() for role in roles.split(",")}
    return named, steering.strip()


@pytest.mark.django_db
def test_every_demo_account_is_in_the_readme_with_its_organisations_and_roles():
    demo.seed()
    table = demo_accounts_table()
    users = list(User.objects.all())
    assert {user.email for user in users} == set(table), "accounts missing from or extra in README"
    for user in users:
        who, cell = table[user.email]
        named, steering = parse_roles(cell)
        assert user.full_name in who, user.email
        memberships = Membership.objects.filter(user=user).select_related("organisation")
        for membership in memberships:
            organisation = membership.organisation
            assert organisation.name in who or organisation.short_name in who, (user.email, who)
        held = {role for membership in memberships for role in membership.roles}
        if user.is_staff:
            expected = {"portal administrator"}
        elif not held:
            expected = {"read only"}
        else:
            expected = {name for name, value in ROLE_NAMES.items() if value in held}
        assert named == expected, (user.email, cell)
        seat = SteeringGroupMember.objects.filter(user=user).first()
        if seat is None:
            assert steering == "", (user.email, cell)
        else:
            assert steering == (
                "steering-group chair" if seat.is_chair else "steering-group member"
            )


def test_the_readme_names_the_demo_delegation_and_a_first_walk():
    text = README.read_text()
    assert "**Delegation.** Tom Booth" in text and "Helen Clarke decides" in text
    assert "### A first walk through the demo" in text
