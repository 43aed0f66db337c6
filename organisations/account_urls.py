from django.urls import path

from . import account_views as views
from . import two_step

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("sessions/sign-out-others/", views.sign_out_others, name="sign-out-others"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("signed-out/", views.signed_out, name="signed-out"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("invitations/<str:token>/", views.accept_invitation, name="accept-invitation"),
    path("session/keep-alive/", views.keep_alive, name="keep-alive"),
    path("two-step/", two_step.two_step, name="two-step"),
    path("two-step/recovery-codes/", two_step.recovery_codes, name="recovery-codes"),
]
