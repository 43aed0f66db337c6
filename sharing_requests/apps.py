from django.apps import AppConfig


class SharingRequestsConfig(AppConfig):
    """Proposals to share data. The folder is not `requests/`: that name would shadow the
    `requests` library for the whole process. The label keeps the design's name."""

    name = "sharing_requests"
    label = "requests"
    verbose_name = "Sharing requests"
