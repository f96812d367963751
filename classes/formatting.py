"""How dates and times are said on the phone and printed: Japanese style, in Asia/Tokyo."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import get_language

from classes.models import Session

WEEKDAYS_JA = "月火水木金土日"


def date_ja(value: date | datetime) -> str:
    """``2026年12月3日(木)`` for a date or an aware datetime (converted to local time first)."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日({WEEKDAYS_JA[value.weekday()]})"


def time_range_ja(start: datetime, end: datetime) -> str:
    """``10:00〜11:30`` for two aware datetimes, in local time."""
    # Called for every row of the phone screen: one time zone look-up, no strftime.
    tz = timezone.get_current_timezone()
    start, end = start.astimezone(tz), end.astimezone(tz)
    return f"{start.hour:02d}:{start.minute:02d}〜{end.hour:02d}:{end.minute:02d}"


def time_range(start: datetime, end: datetime) -> str:
    """Two aware datetimes as a range of local times in the active language: ``10:00〜11:30``
    on a Japanese page, ``10:00–11:30`` (an en dash) on an English one."""
    if (get_language() or "ja").startswith("ja"):
        return time_range_ja(start, end)
    return time_range_ja(start, end).replace("〜", "–")


# The kinds of session as the Japanese forms print them, whatever the UI language.
KIND_LABELS: dict[str, str] = {
    Session.Kind.CLASS: "スマホ教室",
    Session.Kind.SALON: "スマホサロン",
    Session.Kind.CONSULTATION: "スマホ相談会",
    Session.Kind.CARAVAN: "お助けキャラバン",
}


def session_title_ja(session: Session) -> str:
    """The session's title, else its topic's title, else its kind in Japanese ("スマホサロン"):
    ``Session.display_title`` with the kind not translated into the UI language, for the
    Japanese forms. Reads ``session.topic`` (select it with the session)."""
    if session.title:
        return session.title
    if session.topic is not None:
        return session.topic.title
    return KIND_LABELS.get(session.kind, session.kind)
