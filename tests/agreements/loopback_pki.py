"""A real certificate authority and RFC 3161 timestamp authority on loopback, for the sealing
tests: certomancer's PKI (a root CA, the portal's sealing certificate issued by it, a TSA
certificate, an OCSP responder and a CRL) served by certomancer's own web app (the aiohttp
Animator) on a free 127.0.0.1 port, in a thread of the test process.

The test writes the keys (EC P-256: generated in a millisecond) and certomancer's YAML
configuration into a temporary folder; certomancer issues the certificates from them. The
sealing certificate names the OCSP responder (its AIA extension), the TSA certificate the CRL
(its CRL distribution point), so a B-LT seal needs both kinds of revocation information.
"""

import asyncio
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ARCH = "portal"
VALID_FROM = "2020-01-01T00:00:00+0000"
VALID_TO = "2050-01-01T00:00:00+0000"

CONFIG = """
external-url-prefix: "{prefix}"
keysets:
  portal:
    path-prefix: "{keys}"
    keys:
      root: {{path: root.key.pem}}
      seal: {{path: seal.key.pem}}
      tsa: {{path: tsa.key.pem}}
pki-architectures:
  portal:
    keyset: portal
    entity-defaults:
      country-name: GB
      organization-name: Loopback Test PKI
    entities:
      root: {{common-name: Loopback Root CA}}
      seal: {{common-name: ISF Portal agreement seal (loopback CA)}}
      tsa: {{common-name: Loopback Time Stamping Authority}}
    certs:
      root:
        subject: root
        issuer: root
        validity: {{valid-from: "{valid_from}", valid-to: "{valid_to}"}}
        profiles: [simple-ca]
      seal:
        subject: seal
        issuer: root
        validity: {{valid-from: "{valid_from}", valid-to: "{valid_to}"}}
        profiles: [digsig-commitment]
        extensions:
          - id: authority_information_access
            smart-value:
              schema: aia-urls
              params: {{ocsp-responder-names: [root-ocsp]}}
      tsa:
        subject: tsa
        issuer: root
        validity: {{valid-from: "{valid_from}", valid-to: "{valid_to}"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - id: extended_key_usage
            critical: true
            value: [time_stamping]
          - id: crl_distribution_points
            smart-value:
              schema: crl-dist-url
              params: {{crl-repo-names: [root-crl]}}
    services:
      ocsp:
        root-ocsp: {{for-issuer: root, responder-cert: root, signing-key: root}}
      crl-repo:
        root-crl: {{for-issuer: root, signing-key: root, simulated-update-schedule: "P90D"}}
      time-stamping:
        tsa: {{signing-key: tsa, signing-cert: tsa}}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pem_cert(cert) -> bytes:
    return pem.armor("CERTIFICATE", cert.dump())


@dataclass
class LoopbackPKI:
    base_url: str
    tsa_url: str
    root_pem: Path  # the trust root, as SEALING_TRUST_ROOTS names it
    seal_key: Path  # the sealing key (PEM), as SEALING_KEY_FILE names it
    seal_cert: Path  # its certificate (PEM), as SEALING_CERT_FILE names it
    _loop: asyncio.AbstractEventLoop
    _runner: object
    _thread: threading.Thread

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def _write_key(path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def start_loopback_pki(directory: Path) -> LoopbackPKI:
    """Issue the PKI into `directory` and serve its TSA, OCSP responder and CRL."""
    from aiohttp import web
    from certomancer.integrations.aiohttp_animator import build_animator_app
    from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig

    keys = directory / "keys"
    keys.mkdir(parents=True)
    for name in ("root", "seal", "tsa"):
        _write_key(keys / f"{name}.key.pem")
    port = free_port()
    prefix = f"http://127.0.0.1:{port}"
    config_file = directory / "certomancer.yml"
    config_file.write_text(
        CONFIG.format(prefix=prefix, keys=keys, valid_from=VALID_FROM, valid_to=VALID_TO)
    )
    config = CertomancerConfig.from_file(str(config_file))
    arch = config.get_pki_arch(ArchLabel(ARCH))
    root_pem = directory / "root.cert.pem"
    root_pem.write_bytes(_pem_cert(arch.get_cert(CertLabel("root"))))
    seal_cert = directory / "seal.cert.pem"
    seal_cert.write_bytes(_pem_cert(arch.get_cert(CertLabel("seal"))))

    app = build_animator_app(config.pki_archs, with_web_ui=False)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=serve, name="loopback-pki", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("certomancer's animator did not start")
    return LoopbackPKI(
        base_url=prefix,
        tsa_url=f"{prefix}/{ARCH}/tsa/tsa",
        root_pem=root_pem,
        seal_key=keys / "seal.key.pem",
        seal_cert=seal_cert,
        _loop=loop,
        _runner=runner,
        _thread=thread,
    )
