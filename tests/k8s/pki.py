"""The test cluster's certificates: one CA, the certificates it signs, and the service-account key pair.

Owns key and certificate generation (Python ``cryptography``) and writing them as PEM files. It starts no
process and knows no component flags (that is ``controlplane``). The extensions follow what strict verifiers
(Python 3.13's ``VERIFY_X509_STRICT``, Go's crypto/x509) ask for: key identifiers, a critical key usage and
the extended key usages each certificate is used for.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALIDITY = datetime.timedelta(days=2)


@dataclasses.dataclass(frozen=True, slots=True)
class CertifiedKey:
    """A certificate and its private key, as PEM files."""

    cert: Path
    key: Path


def create_ca(folder: Path, common_name: str) -> CertifiedKey:
    """Create a self-signed certificate authority in ``folder`` (``ca.crt``, ``ca.key``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    public = key.public_key()
    cert = (
        _certificate_builder(subject=name, issuer=name, public_key=public)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _write(folder, "ca", cert, key)


def issue(
    ca: CertifiedKey,
    folder: Path,
    file_stem: str,
    *,
    common_name: str,
    organizations: Sequence[str] = (),
    hosts: Sequence[str] = (),
) -> CertifiedKey:
    """Issue a certificate signed by ``ca`` into ``folder`` as ``<file_stem>.crt`` and ``<file_stem>.key``.

    Kubernetes reads a client certificate's common name as the user name and its organizations as the
    groups. With ``hosts`` (DNS names or IP addresses) the certificate also serves TLS for them.
    """
    ca_cert = x509.load_pem_x509_certificate(ca.cert.read_bytes())
    ca_key = serialization.load_pem_private_key(ca.key.read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"the CA key {ca.key} is not the EC key create_ca writes")
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in organizations]
        + [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    )
    usages = [ExtendedKeyUsageOID.CLIENT_AUTH] + ([ExtendedKeyUsageOID.SERVER_AUTH] if hosts else [])
    builder = (
        _certificate_builder(subject=subject, issuer=ca_cert.subject, public_key=key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if hosts:
        builder = builder.add_extension(x509.SubjectAlternativeName(_names(hosts)), critical=False)
    return _write(folder, file_stem, builder.sign(ca_key, hashes.SHA256()), key)


def create_service_account_keys(folder: Path) -> CertifiedKey:
    """Create the key pair the API server signs service-account tokens with (``sa.pub``, ``sa.key``).

    The ``cert`` field holds the PEM public key: the API server and the controller manager take a public
    key, not a certificate, for verification.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = folder / "sa.pub"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    private = folder / "sa.key"
    private.write_bytes(_private_pem(key))
    private.chmod(0o600)
    return CertifiedKey(cert=public, key=private)


def _certificate_builder(
    *, subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _private_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(
    folder: Path, file_stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> CertifiedKey:
    cert_path = folder / f"{file_stem}.crt"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path = folder / f"{file_stem}.key"
    key_path.write_bytes(_private_pem(key))
    key_path.chmod(0o600)
    return CertifiedKey(cert=cert_path, key=key_path)
