"""Settings of what people upload: the verify page's limits (agreements/verification.py) and
the upload checks (isf_portal/uploads.py and scanning.py), read into base.py. README.md lists
them."""

import environ

env = environ.Env()

# clamd scans every upload: a Unix socket (preferred) or a host and port. Neither set: uploads
# are parsed and checked but not scanned, and the health page says ClamAV is "not configured".
CLAMAV_SOCKET = env.str("CLAMAV_SOCKET", default="")
CLAMAV_HOST = env.str("CLAMAV_HOST", default="")
CLAMAV_PORT = env.int("CLAMAV_PORT", default=3310)
CLAMAV_TIMEOUT = env.float("CLAMAV_TIMEOUT", default=10.0)

# The verify page (open to anyone): largest PDF accepted, checks a person and an IP address may
# make per window (an office behind one address gets more than a person), and the bounds on
# the work one check may take: objects and revisions in the file, seconds in the checking
# process (killed past them, so a web worker is never held longer).
AGREEMENT_VERIFY_MAX_BYTES = env.int("AGREEMENT_VERIFY_MAX_MB", default=20) * 1024 * 1024
AGREEMENT_VERIFY_RATE = env.int("AGREEMENT_VERIFY_RATE", default=10)
AGREEMENT_VERIFY_RATE_PER_IP = env.int("AGREEMENT_VERIFY_RATE_PER_IP", default=30)
AGREEMENT_VERIFY_WINDOW_SECONDS = env.int("AGREEMENT_VERIFY_WINDOW_SECONDS", default=600)
AGREEMENT_VERIFY_MAX_OBJECTS = env.int("AGREEMENT_VERIFY_MAX_OBJECTS", default=20000)
AGREEMENT_VERIFY_MAX_REVISIONS = env.int("AGREEMENT_VERIFY_MAX_REVISIONS", default=10)
AGREEMENT_VERIFY_TIMEOUT = env.float("AGREEMENT_VERIFY_TIMEOUT", default=5.0)
