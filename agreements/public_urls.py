"""The public transparency register, mounted at /register/public/ (no sign-in)."""

from .views.public import urlpatterns

app_name = "public-register"

__all__ = ["app_name", "urlpatterns"]
