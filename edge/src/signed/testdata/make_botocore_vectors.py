"""Regenerates botocore_vectors.json: signed URLs made by botocore's own
CloudFrontSigner with the RSA test key, so the Rust verifier is checked
against the reference implementation rather than only against itself.

Documentation only; the Rust tests read the JSON and never run this.

    python3 -m venv /tmp/cfvenv
    /tmp/cfvenv/bin/pip install botocore cryptography
    /tmp/cfvenv/bin/python make_botocore_vectors.py > botocore_vectors.json

Times are fixed (far future expiry). The RSA signatures are deterministic
(PKCS#1 v1.5), so rerunning reproduces them; the ECDSA one is randomised
and changes on every run, which is harmless.

botocore's signer knows nothing of `Hash-Algorithm` (it predates SHA-256
support and signs whatever its callback returns), so the SHA-256 vectors
append `&Hash-Algorithm=SHA256` themselves, as the CloudFront Developer
Guide says a SHA-256 signed URL must.
"""

import datetime
import json
import pathlib

from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

HERE = pathlib.Path(__file__).resolve().parent
KEY_ID = "K2BOTOCORERSA"
KEY = serialization.load_pem_private_key(
    (HERE / "rsa_pkcs1.pem").read_bytes(), password=None
)


EC_KEY_ID = "K3BOTOCOREEC"
EC_KEY = serialization.load_pem_private_key(
    (HERE / "ec_sec1.pem").read_bytes(), password=None
)


def rsa_sha256(message: bytes) -> bytes:
    return KEY.sign(message, padding.PKCS1v15(), hashes.SHA256())


def ecdsa_sha256(message: bytes) -> bytes:
    # DER-encoded (r, s), as OpenSSL writes it.
    return EC_KEY.sign(message, ec.ECDSA(hashes.SHA256()))


def rsa_sha1(message: bytes) -> bytes:
    # CloudFront's default (no Hash-Algorithm parameter) is SHA-1.
    return KEY.sign(message, padding.PKCS1v15(), hashes.SHA1())


def at(epoch: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)


signer = CloudFrontSigner(KEY_ID, rsa_sha1)
EXPIRES = 4102444800  # 2100-01-01T00:00:00Z
NOT_BEFORE = 1700000000  # 2023-11-14T22:13:20Z

canned = signer.generate_presigned_url(
    "https://cdn.example.com/media/hls/course1/index.m3u8?quality=hd",
    date_less_than=at(EXPIRES),
)

policy = signer.build_policy(
    "https://cdn.example.com/media/hls/course1/*",
    at(EXPIRES),
    date_greater_than=at(NOT_BEFORE),
    ip_address="192.0.2.0/24",
)
custom = signer.generate_presigned_url(
    "https://cdn.example.com/media/hls/course1/seg-00001.ts", policy=policy
)

SHA256_URL = "https://cdn.example.com/downloads/report.pdf"
rsa_sha256_url = (
    CloudFrontSigner(KEY_ID, rsa_sha256).generate_presigned_url(
        SHA256_URL, date_less_than=at(EXPIRES)
    )
    + "&Hash-Algorithm=SHA256"
)
ecdsa_sha256_url = (
    CloudFrontSigner(EC_KEY_ID, ecdsa_sha256).generate_presigned_url(
        SHA256_URL, date_less_than=at(EXPIRES)
    )
    + "&Hash-Algorithm=SHA256"
)

print(
    json.dumps(
        {
            "key_id": KEY_ID,
            "expires": EXPIRES,
            "not_before": NOT_BEFORE,
            "canned_url": canned,
            "custom_url": custom,
            "custom_policy_json": policy,
            "ec_key_id": EC_KEY_ID,
            "rsa_sha256_url": rsa_sha256_url,
            "ecdsa_sha256_url": ecdsa_sha256_url,
        },
        indent=2,
    )
)
