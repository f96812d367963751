"""Normalising what staff type or import: kana, digits, phone numbers.

All functions are pure and accept any mix of full-width / half-width characters and
hiragana / katakana, so the search and the import treat input the same way.
"""

import re
import unicodedata

import jaconv
import phonenumbers

_SPACES = re.compile(r"\s+")


def to_half_digits(text: str) -> str:
    """Full-width digits and ASCII symbols to half-width (``０２４６－９９`` -> ``0246-99``)."""
    return jaconv.z2h(text, kana=False, digit=True, ascii=True)


def normalize_kana(text: str) -> str:
    """Return kana as stored: full-width katakana, words separated by one ASCII space.

    ``'ｽｽﾞｷ ｻﾁｺ'``, ``'すずき　さちこ'`` and ``'スズキ サチコ'`` all give ``'スズキ サチコ'``.
    """
    text = unicodedata.normalize("NFKC", text or "")  # half-width kana -> full-width, joins ﾞ
    text = jaconv.hira2kata(text)
    return _SPACES.sub(" ", text).strip()


def kana_search_key(text: str) -> str:
    """Return the key kana is searched by: normalised katakana with all spaces removed."""
    return normalize_kana(text).replace(" ", "")


def is_kana(text: str) -> bool:
    """True when ``text`` (after normalising) is only katakana, the long-vowel mark and spaces."""
    key = kana_search_key(text)
    return bool(key) and all("\u30a0" <= ch <= "\u30ff" for ch in key)


def phone_digits(text: str) -> str:
    """Return the digits of a phone number in national form (``+81 90-...`` -> ``090...``).

    Any width and any separators; returns ``''`` when there are no digits.
    """
    digits = re.sub(r"\D", "", to_half_digits(text or ""))
    if (text or "").strip().startswith("+81") and digits.startswith("81"):
        digits = "0" + digits[2:]
    return digits


def format_phone(text: str) -> str:
    """Return a Japanese phone number in national format with hyphens (``0246-99-0001``).

    Raises ValueError with a readable reason when the number is not a valid Japanese number.
    """
    raw = to_half_digits(text or "").strip()
    try:
        number = phonenumbers.parse(raw, "JP")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {text!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid Japanese phone number: {text!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
