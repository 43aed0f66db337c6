"""The embedded default: SQLite and the filesystem broker, nothing else to run."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: E402,F403

ENVIRONMENT = "local"
