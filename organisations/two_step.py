"""Two-step verification: allauth's TOTP authenticators and recovery codes, in the portal's pages.

Signatories, organisation admins and portal administrators must use it when they sign in with
a password, and when they sign in with their organisation's account and its ID token's `amr`
shows no second factor. Anyone who has set it up is always asked. Until the second step is
done the person is not signed in: the session holds only who is half-way (PENDING_KEY).
"""

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, validate_totp_code
from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from isf_portal.domain import audit
from isf_portal.forms import GovukForm

from .models import Membership, User

PENDING_KEY = "isf_two_step_pending"
SETUP_KEY = "isf_two_step_secret"  # noqa: S105 (a session key name)
CODES_KEY = "isf_two_step_codes"
MAX_TRIES = 5
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def required_for(user) -> bool:
    """Signatories, organisation admins and portal administrators must use two steps."""
    if not settings.MFA_REQUIRED:
        return False
    return bool(
        user.is_staff
        or user.is_superuser
        or Membership.objects.filter(user=user)
        .filter(Q(is_signatory=True) | Q(is_org_admin=True))
        .exists()
    )


def totp_of(user) -> Authenticator | None:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()


def start(request, user, *, next_url: str, method: str, backend: str = MODEL_BACKEND):
    """Sign `user` in, or first ask for their second step; the response to send."""
    if totp_of(user) is None and not required_for(user):
        login(request, user, backend=backend)
        request.session["isf_sign_in_method"] = method
        return redirect(next_url)
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": backend,
        "next": next_url,
        "method": method,
        "tries": 0,
    }
    return redirect("accounts:two-step")


class CodeForm(GovukForm):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


def _safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


def _finish(request, user, pending):
    request.session.pop(PENDING_KEY, None)
    request.session.pop(SETUP_KEY, None)
    if pending.get("signed_in"):  # set up from the account page
        return pending["next"]
    login(request, user, backend=pending["backend"])
    request.session["isf_sign_in_method"] = pending["method"]
    return _safe_next(request, pending["next"])


@require_http_methods(["GET", "POST"])
def two_step(request):
    """Ask for the code from the authenticator app, or a recovery code; or set the app up."""
    pending = request.session.get(PENDING_KEY)
    if pending is None and request.user.is_authenticated and totp_of(request.user) is None:
        # Someone signed in who chose to set it up (the account page links here).
        pending = {"user": request.user.pk, "next": reverse("accounts:account"), "signed_in": True}
    user = User.objects.filter(pk=(pending or {}).get("user"), is_active=True).first()
    if user is None:
        return redirect("accounts:sign-in")
    authenticator = totp_of(user)
    enrolling = authenticator is None
    form = CodeForm(request.POST or None)
    context = {"form": form, "enrolling": enrolling}
    if enrolling:
        secret = request.session.get(SETUP_KEY) or generate_totp_secret()
        request.session[SETUP_KEY] = secret
        adapter = get_mfa_adapter()
        context["secret"] = secret
        svg = adapter.build_totp_svg(adapter.build_totp_url(user, secret))
        context["qr_svg"] = svg[svg.index("<svg") :].replace(
            "<svg ", '<svg role="img" aria-labelledby="qr-label" ', 1
        )
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].replace(" ", "").replace("-", "")
        if enrolling and validate_totp_code(secret, code):
            TOTP.activate(user, secret)
            codes = RecoveryCodes.activate(user).get_unused_codes()
            audit(user, reason="isf.user.two_step_enrolled", by=user)
            user.save(update_fields=["full_name"])
            next_url = _finish(request, user, pending)
            request.session[CODES_KEY] = {"codes": codes, "next": next_url}
            return redirect("accounts:recovery-codes")
        if not enrolling and _valid_code(user, authenticator, code):
            return redirect(_finish(request, user, pending))
        pending["tries"] = pending.get("tries", 0) + 1
        if pending["tries"] >= MAX_TRIES and not pending.get("signed_in"):
            request.session.pop(PENDING_KEY, None)
            request.session.pop(SETUP_KEY, None)
            return redirect(f"{reverse('accounts:sign-in')}?two_step_failed=1")
        if not pending.get("signed_in"):
            request.session[PENDING_KEY] = pending
        form.add_error(
            "code",
            _("Enter the 6-digit code your authenticator app shows now")
            if enrolling
            else _("Enter the code your authenticator app shows now, or an unused recovery code"),
        )
    return render(request, "accounts/two_step.html", context, status=200)


def _valid_code(user, authenticator, code: str) -> bool:
    if code.isdigit() and len(code) == 6:
        return TOTP(authenticator).validate_code(code)
    recovery = Authenticator.objects.filter(
        user=user, type=Authenticator.Type.RECOVERY_CODES
    ).first()
    return recovery is not None and RecoveryCodes(recovery).validate_code(code)


def recovery_codes(request):
    """The recovery codes, shown once right after setting up the authenticator app."""
    shown = request.session.pop(CODES_KEY, None)
    if not request.user.is_authenticated or not shown:
        return redirect("home")
    return render(request, "accounts/recovery_codes.html", shown)
