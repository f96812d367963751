"""Two-factor authentication (allauth.mfa's TOTP and recovery codes): who must use it.

Every user may turn on an authenticator app from the security page (``mfa_index``). Administrators
must: with ``settings.MFA_REQUIRED_FOR_ADMINISTRATORS`` on, ``kernel.middleware`` sends an
administrator without an active authenticator app to the activation page, and the adapter below
refuses to switch theirs off.

The authenticator-app keys and recovery-code seeds allauth stores in ``mfa_authenticator.data``
are encrypted (Fernet, a key derived from SECRET_KEY; SECRET_KEY_FALLBACKS still decrypt after a
key change), so a copy of the database or a backup does not hand out second factors.
"""

import base64
from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kernel.models import Role
from kernel.roles import user_role


def mfa_required_for(user: Any) -> bool:
    """True when ``user`` must protect their login with an authenticator app.

    Administrators (role administrator, superusers) and anyone who may open the admin site
    (``is_staff``) hold every resident's data; the rule is off when
    ``settings.MFA_REQUIRED_FOR_ADMINISTRATORS`` is False (the test settings).
    """
    if not getattr(settings, "MFA_REQUIRED_FOR_ADMINISTRATORS", True):
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or user_role(user) == Role.ADMINISTRATOR)


def has_totp(user: Any) -> bool:
    """True when ``user`` has an activated authenticator app (TOTP). One query."""
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


# Marks a value this module encrypted; values without it were stored before encryption.
ENCRYPTED_PREFIX = "fernet:"


def _fernet_for(secret_key: str) -> Fernet:
    # A key of its own for this purpose, derived from SECRET_KEY, so the secrets are not
    # encrypted with the key that also signs sessions and links.
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"kernel.mfa", info=b"authenticator secrets"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(k) for k in keys if k])


def encrypt_secret(text: str) -> str:
    """``text`` (an authenticator key or recovery-code seed, str) encrypted with the current
    SECRET_KEY, as ``"fernet:<token>"`` (ASCII)."""
    return ENCRYPTED_PREFIX + _fernet().encrypt(text.encode()).decode("ascii")


def decrypt_secret(stored: str) -> str:
    """The text of a value from ``encrypt_secret``, decrypted with SECRET_KEY or one of
    SECRET_KEY_FALLBACKS. A value stored before encryption (no prefix) is returned as it is.

    Raises ImproperlyConfigured when no configured key decrypts it (SECRET_KEY changed without
    the old key in SECRET_KEY_FALLBACKS): the user could not log in with their app anyway.
    """
    if not stored.startswith(ENCRYPTED_PREFIX):
        return stored
    try:
        return _fernet().decrypt(stored[len(ENCRYPTED_PREFIX) :].encode("ascii")).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An authenticator secret cannot be decrypted: SECRET_KEY changed. Put the old key in "
            "SECRET_KEY_FALLBACKS."
        ) from exc


class MFAAdapter(DefaultMFAAdapter):
    """allauth.mfa adapter: secrets are stored encrypted, and administrators cannot switch their
    authenticator app off."""

    def encrypt(self, text: str) -> str:
        return encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_secret(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP and mfa_required_for(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
