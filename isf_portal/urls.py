from django.contrib import admin
from django.urls import include, path

from organisations import views as organisation_views

from . import pages, views

admin.site.site_header = "ISF Portal administration"
admin.site.site_title = "ISF Portal administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("ping", views.ping, name="ping"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("how-it-works/", pages.how_it_works, name="how-it-works"),
    path("guidance/", include("sharing_requests.views.guidance")),
    path("account/api-tokens/", include("api.account")),
    path("account/sso/", include("organisations.sso_urls")),
    path("account/", include("organisations.account_urls")),
    path("organisations/", include("organisations.urls")),
    path("proposals/", include("sharing_requests.urls")),
    path("notifications/", include("notifications.urls")),
    path("agreements/", include("agreements.urls")),
    path("register/public/", include("agreements.public_urls")),
    path("insight/", include("insight.urls")),
    path("steering-group/", organisation_views.steering_group, name="steering-group"),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "isf_portal.views.permission_denied"
handler404 = "isf_portal.views.page_not_found"
handler500 = "isf_portal.views.server_error"
