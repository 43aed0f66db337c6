"""The electronic seal's settings (agreements/sealing.py and sealing_pki.py), read into base.py.
Every one comes from the environment; README.md lists them."""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

# The electronic seal on signed agreements (agreements/sealing.py). Production names a key and
# certificate: a PKCS#12 file in SEALING_KEY_FILE, or a PEM/DER key there with its certificate
# in SEALING_CERT_FILE. Without one, a key and self-signed certificate are generated on first
# use in SEALING_LOCAL_DIR (base.py; outside the media storage, never served).
SEALING_KEY_FILE = env.str("SEALING_KEY_FILE", default="")
SEALING_CERT_FILE = env.str("SEALING_CERT_FILE", default="")
SEALING_KEY_PASSWORD = env.str("SEALING_KEY_PASSWORD", default="")
for _name in ("SEALING_KEY_FILE", "SEALING_CERT_FILE"):
    _value = vars()[_name]
    if _value and not (Path(_value).is_file() and os.access(_value, os.R_OK)):
        raise ImproperlyConfigured(f"{_name} names {_value!r}, which is not a readable file.")
if SEALING_CERT_FILE and not SEALING_KEY_FILE:
    raise ImproperlyConfigured("SEALING_CERT_FILE is set without SEALING_KEY_FILE (the key).")
# Seals that outlive their certificate (agreements/sealing_pki.py): with an RFC 3161 timestamp
# authority a seal is PAdES B-T; with the trust roots of the sealing and TSA certificates too
# (a PEM file), B-LT, the OCSP responses and CRLs fetched at sealing time embedded in the PDF.
# The verify page also trusts these roots for the timestamp (and a CA-issued seal's chain).
SEALING_TSA_URL = env.str("SEALING_TSA_URL", default="")
SEALING_TSA_TIMEOUT = env.float("SEALING_TSA_TIMEOUT", default=10.0)
SEALING_TRUST_ROOTS = env.str("SEALING_TRUST_ROOTS", default="")
# The sealing key in a PKCS#11 token (an HSM): the module (a .so), the token's label, its user
# PIN (or a file holding it) and the labels of the key and its certificate (the certificate's
# defaults to the key's). Set, it takes the place of SEALING_KEY_FILE.
SEALING_PKCS11_MODULE = env.str("SEALING_PKCS11_MODULE", default="")
SEALING_PKCS11_TOKEN_LABEL = env.str("SEALING_PKCS11_TOKEN_LABEL", default="")
SEALING_PKCS11_PIN = env.str("SEALING_PKCS11_PIN", default="")
SEALING_PKCS11_PIN_FILE = env.str("SEALING_PKCS11_PIN_FILE", default="")
SEALING_PKCS11_KEY_LABEL = env.str("SEALING_PKCS11_KEY_LABEL", default="")
SEALING_PKCS11_CERT_LABEL = env.str("SEALING_PKCS11_CERT_LABEL", default="")
for _name in ("SEALING_TRUST_ROOTS", "SEALING_PKCS11_MODULE", "SEALING_PKCS11_PIN_FILE"):
    _value = vars()[_name]
    if _value and not (Path(_value).is_file() and os.access(_value, os.R_OK)):
        raise ImproperlyConfigured(f"{_name} names {_value!r}, which is not a readable file.")
if SEALING_PKCS11_MODULE and not SEALING_PKCS11_KEY_LABEL:
    raise ImproperlyConfigured("SEALING_PKCS11_MODULE is set without SEALING_PKCS11_KEY_LABEL.")

__all__ = [name for name in list(globals()) if name.startswith("SEALING_")]
