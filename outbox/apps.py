from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Work that must not be lost: written as a row in the caller's transaction, handed to the
    broker after commit, handed over again until it is done (or has failed too often)."""

    name = "outbox"
    verbose_name = "Outbox"
