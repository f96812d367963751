"""How a resident's birth date is shown: the Japanese era beside the Western year, as callers
say it (昭和18年) and as the records hold it (1943)."""

from datetime import date

from django.utils.translation import get_language

from residents.normalize import ERAS

# The eras' names in the English UI (Hepburn, with the long vowel marked).
ERA_NAMES_EN = {
    "明治": "Meiji",
    "大正": "Taishō",
    "昭和": "Shōwa",
    "平成": "Heisei",
    "令和": "Reiwa",
}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def era_year(value: date) -> tuple[str, int] | None:
    """The era (Japanese name) and its year of ``value``: ``("昭和", 18)`` for 1943-05-01; None
    before 明治 (1868-01-25)."""
    for era in reversed(ERAS):
        if value >= era.start:
            return era.name, value.year - era.start.year + 1
    return None


def birth_date_era(value: date | None) -> str:
    """``昭和18年（1943年）5月1日`` in Japanese (元年 for an era's first year), ``1 May 1943
    (Shōwa 18)`` in English; "" for None. The UI language decides."""
    if value is None:
        return ""
    era = era_year(value)
    if (get_language() or "ja").startswith("ja"):
        if era is None:
            return f"{value.year}年{value.month}月{value.day}日"
        year = "元" if era[1] == 1 else str(era[1])
        return f"{era[0]}{year}年（{value.year}年）{value.month}月{value.day}日"
    western = f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
    return f"{western} ({ERA_NAMES_EN[era[0]]} {era[1]})" if era else western
