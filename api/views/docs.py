"""The API's documentation: Swagger UI from drf-spectacular-sidecar's static files, started
by a script file of the portal's own (no CDN, nothing inline: the strict CSP holds)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def api_docs(request):
    return render(request, "api/docs.html")
