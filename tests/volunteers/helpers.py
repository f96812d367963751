"""Small helpers shared by the volunteers tests."""

from datetime import datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def jst(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An aware datetime in Japan time."""
    return datetime(year, month, day, hour, minute, tzinfo=JST)
