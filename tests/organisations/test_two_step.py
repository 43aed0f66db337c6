"""Two-step verification (allauth's TOTP and recovery codes) for signatories, admins and staff."""

import re

import pyotp
import pytest
from allauth.mfa.models import Authenticator

from organisations.models import User
from tests.factories import UserFactory

SIGN_IN = "/account/sign-in/"
TWO_STEP = "/account/two-step/"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.MFA_REQUIRED = True


def sign_in(client, user, password):
    return client.post(SIGN_IN, {"username": user.email, "password": password})


def enrol(client, user, password) -> pyotp.TOTP:
    assert sign_in(client, user, password)["Location"] == TWO_STEP
    page = client.get(TWO_STEP).content.decode()
    secret = re.search(r'class="isf-setup-key">([A-Z2-7]+)<', page)[1]
    response = client.post(TWO_STEP, {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == "/account/two-step/recovery-codes/"
    return pyotp.TOTP(secret)


def signed_in(client):
    return client.session.get("_auth_user_id")


def test_signatory_must_set_up_two_steps_before_being_signed_in(client, signatory_a, password):
    response = sign_in(client, signatory_a, password)
    assert response.status_code == 302 and response["Location"] == TWO_STEP
    assert signed_in(client) is None
    page = client.get(TWO_STEP)
    assert "Set up two-step verification" in page.content.decode() and b"<svg" in page.content
    # Elsewhere in the portal they are not signed in.
    assert client.get("/proposals/").status_code == 302
    wrong = client.post(TWO_STEP, {"code": "000000"})
    assert "Enter the 6-digit code" in wrong.content.decode() and signed_in(client) is None
    secret = re.search(r'class="isf-setup-key">([A-Z2-7]+)<', page.content.decode())[1]
    response = client.post(TWO_STEP, {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == "/account/two-step/recovery-codes/"
    assert signed_in(client) == str(signatory_a.pk)
    types = set(Authenticator.objects.filter(user=signatory_a).values_list("type", flat=True))
    assert types == {"totp", "recovery_codes"}
    codes_page = client.get("/account/two-step/recovery-codes/").content.decode()
    assert len(re.findall(r"<li><code>\w+</code></li>", codes_page)) >= 10
    history = User.history.filter(id=signatory_a.pk).first()
    assert history.history_change_reason == "isf.user.two_step_enrolled"
    # Shown once.
    assert client.get("/account/two-step/recovery-codes/")["Location"] == "/"


def test_enrolled_person_enters_a_code_and_recovery_codes_work_once(
    client, admin_a, password, new_client
):
    totp = enrol(client, admin_a, password)
    codes = re.findall(
        r"<li><code>(\w+)</code></li>",
        client.get("/account/two-step/recovery-codes/").content.decode(),
    )
    client.logout()
    assert sign_in(client, admin_a, password)["Location"] == TWO_STEP
    assert "Enter your security code" in client.get(TWO_STEP).content.decode()
    client.post(TWO_STEP, {"code": codes[0]})
    assert signed_in(client) == str(admin_a.pk)
    client.logout()
    sign_in(client, admin_a, password)
    reused = client.post(TWO_STEP, {"code": codes[0]})
    assert reused.status_code == 200 and signed_in(client) is None
    client.post(TWO_STEP, {"code": totp.now()})
    assert signed_in(client) == str(admin_a.pk)


def test_members_sign_in_without_a_second_step(client, member_a, password):
    response = sign_in(client, member_a, password)
    assert response["Location"] == "/" and signed_in(client) == str(member_a.pk)


def test_too_many_wrong_codes_start_the_sign_in_again(client, signatory_a, password):
    sign_in(client, signatory_a, password)
    for _attempt in range(5):
        response = client.post(TWO_STEP, {"code": "123456"})
    assert response["Location"].startswith(SIGN_IN)
    assert client.get(TWO_STEP)["Location"] == SIGN_IN
    assert signed_in(client) is None


def test_no_one_half_way_means_no_second_step_page(client, db):
    assert client.get(TWO_STEP)["Location"] == SIGN_IN


def test_django_admin_signs_in_through_the_same_flow(client, db, password):
    staff = UserFactory(is_staff=True, is_superuser=True)
    staff.set_password(password)
    staff.save()
    response = client.get("/admin/")
    assert response["Location"].startswith("/admin/login/")
    response = client.get(response["Location"])
    assert response["Location"] == f"{SIGN_IN}?next=/admin/"
    response = client.post(
        SIGN_IN, {"username": staff.email, "password": password, "next": "/admin/"}
    )
    assert response["Location"] == TWO_STEP and signed_in(client) is None
    assert client.get("/admin/").status_code == 302


def test_signed_in_non_staff_get_no_admin_sign_in(client, member_a, password):
    sign_in(client, member_a, password)
    assert client.get("/admin/login/?next=/admin/").status_code == 403
