"""The agreements app's models: agreements, their parties, signatures, reviews and events
(agreements.py), and the changes every party must agree to (consents.py)."""

from .agreements import *  # noqa: F403
from .consents import *  # noqa: F403
