from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = "Data-sharing agreements"

    def ready(self):
        # Importing the receivers connects them; they import models, so not before the app
        # registry is ready.
        # The lifecycle and publication register what carries out each kind of consent
        # (consents.on_agreed), in the web process and in the worker alike; similar.py
        # registers the agreements' answer to "what already exists" with the proposals' check
        # (sharing_requests/similar.py).
        from . import (
            lifecycle,  # noqa: F401
            publication,  # noqa: F401
            receivers,  # noqa: F401
            similar,  # noqa: F401
        )
