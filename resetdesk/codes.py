"""Secrets the approval flow makes: one-time approval codes and temporary passwords.

Approval codes (Salmon's confirm.py, Mailman's `confirm <token>`): random
from `secrets`, CODE_LENGTH characters from an alphabet without look-alikes
(no 0/O, 1/I/L), so a person can read one aloud. Only a salted scrypt hash
is stored; a code lives `approval.ttl_minutes` and is spent by its first use.
With 31 symbols, 10 characters are 49 bits: a stolen database cannot be
brute-forced within a code's lifetime at scrypt's cost (about 30 ms a try).

Temporary passwords follow Entra's rules (8-256 characters, at least 3 of
lower, upper, digit, symbol): built class by class, one of each class first,
then shuffled, so no draw ever misses a class (a mixed-pool draw misses 3 of
4 classes about 7% of the time at 14 characters).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"     # no 0 O 1 I L
CODE_LENGTH = 10
REQUEST_ID_LENGTH = 6
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}

_LOWER = "abcdefghijkmnpqrstuvwxyz"      # no l
_UPPER = "ABCDEFGHJKMNPQRSTUVWXYZ"       # no I, O
_DIGITS = "23456789"                     # no 0, 1
_SYMBOLS = "!#$%*+-=?@^_"                # in Entra's list, and harmless in a mail or a shell


def new_code(length: int = CODE_LENGTH) -> str:
    """A one-time approval code (at least 8 characters, no look-alikes)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(max(8, length)))


def new_request_id() -> str:
    """A request id people can type: R- and six characters (not a secret)."""
    return "R-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(REQUEST_ID_LENGTH))


def normalise_code(text: str) -> str:
    """A code as a person may type it: any case, spaces or dashes dropped."""
    return "".join(ch for ch in text.upper() if ch not in " -")


def hash_code(code: str) -> str:
    """scrypt$<salt>$<hash>, base64; the only form a code is stored in."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(normalise_code(code).encode(), salt=salt, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def code_matches(code: str, stored: str) -> bool:
    """Whether `code` is the one hashed in `stored` (constant-time compare)."""
    try:
        scheme, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(normalise_code(code).encode(), salt=base64.b64decode(salt), **_SCRYPT)
        return hmac.compare_digest(candidate, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def new_password(length: int = 16) -> str:
    """A temporary password by Entra's rules: every class present, no look-alikes, 8-256 characters."""
    length = min(256, max(8, length))
    classes = (_LOWER, _UPPER, _DIGITS, _SYMBOLS)
    chars = [secrets.choice(pool) for pool in classes]
    everything = "".join(classes)
    chars += [secrets.choice(everything) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)
