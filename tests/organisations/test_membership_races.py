"""Two admins acting at the same moment must not leave an organisation without an admin."""

import contextlib
import threading

import pytest
from django.db import connection

from isf_portal.domain import DomainError
from organisations import services
from organisations.models import Membership, Role
from tests.factories import member_of, membership


def step_down(user, organisation):
    services.membership_set_roles(
        membership=membership(user, organisation), roles=[Role.MEMBER], by=user
    )


def leave(user, organisation):
    services.membership_remove(membership=membership(user, organisation), by=user)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", [step_down, leave], ids=["step down", "leave"])
def test_two_admins_stepping_down_at_once_leave_one_admin(
    postgres, org_a, admin_a, monkeypatch, action
):
    second = member_of(org_a, Role.MEMBER, Role.ORG_ADMIN, full_name="Second Admin")
    # Hold each caller just after its "is there another admin?" check until the other has
    # made its own check too (or 2 s have passed): the moment a race would strike. The
    # services lock the organisation's row (select_for_update over select_related), so the
    # second caller waits for the first to commit and then sees it is the last admin.
    both_checked = threading.Barrier(2, timeout=2)
    check = services._other_admins

    def check_then_wait(m):
        answer = check(m)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait()
        return answer

    monkeypatch.setattr(services, "_other_admins", check_then_wait)
    outcomes = []

    def act(user):
        try:
            action(user, org_a)
            outcomes.append("done")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(user,)) for user in (admin_a, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["done", "refused"]
    assert Membership.objects.filter(organisation=org_a, is_org_admin=True).count() == 1
