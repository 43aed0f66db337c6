"""Agreement pages: one agreement, its PDFs, signing and verifying (agreement.py); the register
and the lifecycle (register.py)."""
