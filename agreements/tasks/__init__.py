"""Celery tasks of the agreements app. Celery's autodiscovery imports this package; importing
the task modules here registers their tasks."""

from .generation_and_sealing import generate, seal
from .lifecycle import lifecycle_daily

__all__ = ["generate", "lifecycle_daily", "seal"]
