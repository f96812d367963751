"""Typed helpers that read settings from the environment and fail loudly on a bad value."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "") -> str:
    """Return the variable ``name`` as a string, or ``default`` when it is unset."""
    return os.environ.get(name, default)


def envbool(name: str, default: str = "False") -> bool:
    """Return the variable ``name`` as a bool.

    Accepts 1/0, true/false, yes/no, on/off (any case). Raises ImproperlyConfigured otherwise.
    """
    value = os.environ.get(name, default).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {value!r}")


def envint(name: str, default: int) -> int:
    """Return the variable ``name`` as an int. Raises ImproperlyConfigured on a non-integer."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def envlist(name: str, default: str = "") -> list[str]:
    """Return the comma-separated variable ``name`` as a list of non-empty stripped strings."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]
