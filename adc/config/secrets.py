"""Secrets at rest: what ``set password <text>`` keeps instead of the text, and how a login checks it.

Two forms, both printed by ``show`` as ``ENC <value>`` and taken back as they are from a backup:

- an administrator's password is a salted, slow hash (``SH2`` + base64 of salt and PBKDF2-SHA256), the
  form FortiOS-family boxes print for admins: it can be checked, never read back;
- every other secret (certificate key passwords, RADIUS/LDAP/health-check secrets, PPPoE...) is
  ciphertext (base64 of nonce and AES-GCM), because the appliance itself may need the text again.
  The key is built into the appliance, as the real box's firmware key is: a backup moves between
  appliances, and ``ENC`` keeps a secret off screens and out of casual reading, not from someone who
  holds the software.

A value taken from another box's backup is kept as it is: a foreign hash never matches a password here
(the admin is locked out until the password is set again), a foreign ciphertext cannot be read back.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

HASH_PREFIX = "SH2"
SALT_BYTES = 16
ITERATIONS = 20_000  # about 10 ms a check: slow enough to guess badly, fast enough for a login
NONCE_BYTES = 12
_KEY = hashlib.sha256(b"adc appliance secret key, FortiADC 7.4 ENC values").digest()
_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def is_encoded(text: str) -> bool:
    """Whether ``text`` can be an ``ENC`` value as a backup carries it (base64, the hash prefix allowed)."""
    body = text[len(HASH_PREFIX):] if text.startswith(HASH_PREFIX) else text
    return bool(body) and set(body) <= _B64


def hash_password(clear: str, salt: bytes | None = None) -> str:
    """The stored form of an administrator's password; an empty password stays empty (no password)."""
    if not clear:
        return ""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha256", clear.encode("utf-8"), salt, ITERATIONS)
    return HASH_PREFIX + base64.b64encode(salt + digest).decode("ascii")


def verify_password(stored: str, clear: str) -> bool:
    """Whether ``clear`` is the password ``stored`` (an empty stored value accepts only the empty text)."""
    if not stored:
        return clear == ""
    if not stored.startswith(HASH_PREFIX):
        return False
    try:
        raw = base64.b64decode(stored[len(HASH_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) <= SALT_BYTES:
        return False
    salt, digest = raw[:SALT_BYTES], raw[SALT_BYTES:]
    got = hashlib.pbkdf2_hmac("sha256", clear.encode("utf-8"), salt, ITERATIONS)
    return hmac.compare_digest(got, digest)


def encrypt(clear: str) -> str:
    """The stored form of a secret the appliance may need again."""
    if not clear:
        return ""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_BYTES)
    return base64.b64encode(nonce + AESGCM(_KEY).encrypt(nonce, clear.encode("utf-8"), None)).decode("ascii")


def decrypt(stored: str) -> str | None:
    """The text of a secret stored by ``encrypt``; None when it is not ours (another box's backup)."""
    if not stored:
        return ""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        raw = base64.b64decode(stored, validate=True)
        return AESGCM(_KEY).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode("utf-8")
    except (binascii.Error, ValueError, InvalidTag, UnicodeDecodeError):
        return None
