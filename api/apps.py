from django.apps import AppConfig
from django.db.models.signals import post_save


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Partner API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the bearer scheme with drf-spectacular (imported for that effect).
        from agreements.models import AgreementEvent
        from sharing_requests.models import ProposalEvent

        from . import schema, webhooks  # noqa: F401

        # Lines on the timelines become webhook events (api/webhooks.py).
        post_save.connect(webhooks.on_proposal_event, sender=ProposalEvent, dispatch_uid="api-wh-p")
        post_save.connect(
            webhooks.on_agreement_event, sender=AgreementEvent, dispatch_uid="api-wh-a"
        )
