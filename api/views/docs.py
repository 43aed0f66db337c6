"""The API's documentation: Swagger UI from drf-spectacular-sidecar's static files, started
by a script file of the portal's own (no CDN, nothing inline: the strict CSP holds)."""

from csp.decorators import csp_update
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET


# Swagger UI draws its icons as data: SVG images. Images only, on this page only: scripts and
# styles stay under the portal's policy.
@csp_update({"img-src": ["'self'", "data:"]})
@require_GET
def api_docs(request):
    return render(request, "api/docs.html")


@csrf_exempt  # tokens, not cookies: like every API view, no CSRF check to fail first
def not_found(request):
    return JsonResponse({"detail": _("Not found.")}, status=404)
