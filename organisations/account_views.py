"""Signing in and out, password reset, accepting an invitation, staying signed in."""

from allauth.usersessions.internal.flows.sessions import end_other_sessions
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from isf_portal.domain import DomainError
from isf_portal.middleware import refresh

from . import services, sso, sso_logout, two_step
from .forms import (
    AcceptInvitationForm,
    PortalPasswordResetForm,
    PortalSetPasswordForm,
    SignInForm,
)


class SignInView(auth_views.LoginView):
    """Home realm discovery: an address whose domain has single sign-on goes to its provider.

    Any other address signs in with its password on the same form.
    """

    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        idp = sso.identity_provider_for_email(request.POST.get("username", ""))
        if idp is not None:
            return sso.redirect_to_provider(request, idp, self.get_redirect_url())
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # Signed in only once the second step, where one is needed, is done too.
        return two_step.start(
            self.request, form.get_user(), next_url=self.get_success_url(), method="password"
        )

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        # The form may be answered by a redirect to a provider: CSP form-action covers it.
        origins = sso.provider_origins()
        if origins:
            response._csp_update = {"form-action": origins}
        return response


class SignOutView(auth_views.LogoutView):
    """Sign out; someone who signed in with their organisation's account is then sent to its
    provider to end that session too (RP-initiated logout), which brings them back to the
    signed-out page. A page with a refresh, not a redirect: the sign-out button's form-action
    allows only the portal, and browsers check it against redirects too."""

    def post(self, request, *args, **kwargs):
        provider_logout = sso_logout.end_session_url(request)
        response = super().post(request, *args, **kwargs)
        if provider_logout is None:
            return response
        url, organisation = provider_logout
        return render(
            request,
            "accounts/signing_out.html",
            {"end_session_url": url, "organisation": organisation},
        )


def signed_out(request):
    return render(request, "accounts/signed_out.html", {"timed_out": "timeout" in request.GET})


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PortalPasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password-reset-done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = PortalSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@require_http_methods(["GET", "POST"])
def accept_invitation(request, token):
    """Join an organisation from an e-mailed invitation, signing up first if need be."""
    invitation = services.invitation_for_token(token)
    problem = None
    if invitation is None or invitation.cancelled_at is not None:
        problem = _("This invitation link is not valid. Ask your organisation for a new one.")
    elif invitation.accepted_at is not None:
        problem = _("This invitation has already been used. Sign in to use the portal.")
    elif invitation.is_expired:
        problem = _("This invitation has expired. Ask %(org)s for a new one.") % {
            "org": invitation.organisation.name
        }
    if problem:
        return render(
            request,
            "accounts/invitation_problem.html",
            {"problem": problem},
            status=410 if invitation else 404,
        )

    user = request.user if request.user.is_authenticated else None
    if user is None and sso.identity_provider_for_email(invitation.email) is not None:
        # Their organisation's account is how they sign in: no portal password to choose.
        messages.info(
            request,
            _("Sign in with your organisation's account to accept your invitation to %(org)s")
            % {"org": invitation.organisation.name},
        )
        return redirect(f"{reverse_lazy('accounts:sign-in')}?next={request.path}")
    if user is None and services.User.objects.filter(email__iexact=invitation.email).exists():
        messages.info(
            request,
            _("Sign in to accept your invitation to %(org)s")
            % {"org": invitation.organisation.name},
        )
        return redirect(f"{reverse_lazy('accounts:sign-in')}?next={request.path}")

    form = None if user else AcceptInvitationForm(request.POST or None, email=invitation.email)
    wrong_account = user is not None and user.email.lower() != invitation.email.lower()
    if request.method == "POST" and not wrong_account and (form is None or form.is_valid()):
        new_user = None
        if form is not None:
            new_user = {
                "full_name": form.cleaned_data["full_name"],
                "job_title": form.cleaned_data["job_title"],
                "password": form.cleaned_data["password1"],
            }
        try:
            membership = services.invitation_accept(token=token, user=user, new_user=new_user)
        except DomainError as error:
            return render(
                request, "accounts/invitation_problem.html", {"problem": str(error)}, status=409
            )
        if user is None:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("You have joined %(org)s") % {"org": membership.organisation.name},
        )
        return redirect("organisations:detail", slug=membership.organisation.slug)
    return render(
        request,
        "accounts/accept_invitation.html",
        {"invitation": invitation, "form": form, "wrong_account": wrong_account},
    )


@require_POST
def keep_alive(request):
    """The session-timeout warning's "stay signed in": any request renews the session."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    refresh(request.session, force=True)
    return HttpResponse(status=204)


@login_required
def account(request):
    """Your organisations and roles, how you sign in, two-step verification, your sessions."""
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "memberships": user.memberships.select_related("organisation"),
            "sso_accounts": [sso.provider_name(a.provider) for a in user.socialaccount_set.all()],
            "has_password": user.has_usable_password(),
            "this_sign_in": request.session.get("isf_sign_in_method", ""),
            "two_step": two_step.totp_of(user) is not None,
            "two_step_required": two_step.required_for(user),
            "sessions": UserSession.objects.purge_and_list(user),
        },
    )


@login_required
@require_POST
def sign_out_others(request):
    """End every other session of yours (another browser, a lost laptop); this one stays."""
    end_other_sessions(request, request.user)
    services.audit_sign_out_others(user=request.user)
    messages.success(request, _("You have been signed out everywhere else"))
    return redirect("accounts:account")
