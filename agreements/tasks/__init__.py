"""Celery tasks of the agreements app (autodiscovered here)."""

from .documents import *  # noqa: F403
from .lifecycle import *  # noqa: F403
