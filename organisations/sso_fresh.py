"""A fresh sign-in with the organisation's provider, for actions that need proof it is still
the same person at the keyboard (signing an agreement), instead of the portal password that
single sign-on users do not have.

allauth's own re-authentication (`allauth.account.reauthentication`) records that *someone*
authenticated again in this session; it neither asks the provider to show its login page again
nor reads when the provider last checked the person. So the portal uses allauth's social
`process="redirect"` (the callback runs `pre_social_login`, then goes back to `next`, without
signing anyone in or out) with `prompt=login` and `max_age=0`, and on return checks, in
`record`, that the ID token is for the same linked account and that its `auth_time` is recent.
What it leaves is a mark in the session, bound to one purpose (e.g. one agreement, party and
capacity), that the action takes once (`take`) and checks again when it acts (`verify`).
"""

import time
from dataclasses import dataclass

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.base import AuthProcess
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError

from .models import IdentityProvider, SignInRefusal

FRESH_SECONDS = 5 * 60  # how long ago the provider may have checked the person
CLOCK_SKEW_SECONDS = 60  # the provider's clock may run a little ahead of the portal's
SESSION_KEY = "isf_sso_fresh"


class StaleSignIn(DomainError):
    """No recent sign-in with the organisation's provider vouches for this action."""


@dataclass(frozen=True)
class FreshSignIn:
    """The provider checked `uid` (of `provider`) at `auth_time`, for `purpose`."""

    purpose: str
    user_id: int
    provider: str
    uid: str
    auth_time: int
    organisation: str
    initial: dict


def sign_in_again(request, idp: IdentityProvider, *, purpose: str, next_url: str, initial=None):
    """Send the person to their provider, which must show its login page again."""
    provider = get_adapter().get_provider(request, idp.provider_id)
    auth_params = {**provider.get_auth_params(), "prompt": "login", "max_age": "0"}
    return provider.redirect(
        request,
        process=AuthProcess.REDIRECT,
        next_url=next_url,
        data={"isf_fresh": purpose, "requested_at": int(time.time()), "initial": initial or {}},
        auth_params=auth_params,
    )


def is_fresh_sign_in(sociallogin) -> bool:
    state = sociallogin.state or {}
    return state.get("process") == AuthProcess.REDIRECT and bool(
        (state.get("data") or {}).get("isf_fresh")
    )


def record(request, idp: IdentityProvider, sociallogin, id_token: dict) -> None:
    """On return from the provider: leave the mark, or the reason there is none."""
    data = sociallogin.state["data"]
    purpose = data["isf_fresh"]
    user = request.user
    same_person = (
        user.is_authenticated and sociallogin.is_existing and sociallogin.user.pk == user.pk
    )
    auth_time = id_token.get("auth_time")
    now = int(time.time())
    reason = ""
    if not same_person:
        reason = "fresh_sign_in_other_person"
        error = _(
            "You signed in to %(org)s as someone else. To sign, sign in again with your own "
            "account."
        ) % {"org": idp.organisation.name}
    elif not isinstance(auth_time, int) or not (
        max(now - FRESH_SECONDS, int(data.get("requested_at") or 0) - CLOCK_SKEW_SECONDS)
        <= auth_time
        <= now + CLOCK_SKEW_SECONDS
    ):
        reason = "fresh_sign_in_not_recent"
        error = _(
            "%(org)s did not ask you to sign in again, so the portal cannot accept this "
            "signature. Try again; if it keeps happening, ask your IT service desk."
        ) % {"org": idp.organisation.name}
    else:
        error = ""
    mark = {"purpose": purpose, "user": user.pk if user.is_authenticated else None}
    if error:
        mark["error"] = error
        SignInRefusal.objects.create(
            identity_provider=idp,
            email=str(id_token.get("email") or "")[:254],
            reason=reason,
            detail=f"{purpose}; auth_time={auth_time!s:.20}; user={mark['user']}"[:500],
        )
    else:
        mark.update(
            provider=sociallogin.account.provider,
            uid=sociallogin.account.uid,
            auth_time=auth_time,
            organisation=idp.organisation.name,
            initial=data.get("initial") or {},
        )
    request.session[SESSION_KEY] = mark


def peek(request, *, prefix: str) -> dict | None:
    """The mark waiting for an action whose purpose starts with `prefix` (the page shows it)."""
    mark = request.session.get(SESSION_KEY)
    if mark and str(mark.get("purpose", "")).startswith(prefix):
        return mark
    return None


def take_error(request, *, prefix: str) -> str:
    """Why the last fresh sign-in for `prefix` was refused (once), or ''."""
    mark = peek(request, prefix=prefix)
    if mark and mark.get("error"):
        del request.session[SESSION_KEY]
        return mark["error"]
    return ""


def take(request, *, purpose: str) -> FreshSignIn | None:
    """The mark for exactly `purpose`, used up: a mark serves one action only."""
    mark = request.session.get(SESSION_KEY)
    if not mark or mark.get("purpose") != purpose or mark.get("error"):
        return None
    del request.session[SESSION_KEY]
    return FreshSignIn(
        purpose=purpose,
        user_id=mark["user"],
        provider=mark["provider"],
        uid=mark["uid"],
        auth_time=mark["auth_time"],
        organisation=mark["organisation"],
        initial=mark.get("initial") or {},
    )


def verify(fresh: FreshSignIn | None, *, user, purpose: str, identity) -> IdentityProvider:
    """Raise StaleSignIn unless `fresh` is a recent sign-in of `user`'s own linked account
    (`identity`, from sso.identity_for), for `purpose`; the provider that vouched."""
    if identity is None:
        raise StaleSignIn(_("Your account does not sign in with an organisation's account."))
    account, idp = identity
    org = idp.organisation.name
    if fresh is None or fresh.purpose != purpose:
        raise StaleSignIn(
            _("Sign in again with your %(org)s account to sign. Select Sign in again.")
            % {"org": org}
        )
    if (fresh.user_id, fresh.provider, fresh.uid) != (user.pk, account.provider, account.uid):
        raise StaleSignIn(_("The sign-in was not yours. Sign in again with your own account."))
    if fresh.auth_time < time.time() - FRESH_SECONDS:
        raise StaleSignIn(
            _(
                "You signed in again with %(org)s more than %(minutes)s minutes ago. Sign in "
                "again, then sign straight away."
            )
            % {"org": org, "minutes": FRESH_SECONDS // 60}
        )
    return idp
