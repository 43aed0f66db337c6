"""Agreement pages: the agreement and its documents (documents.py), the register and the
lifecycle (register.py)."""
