from django import template

from classes.formatting import date_ja as _date_ja
from classes.formatting import time_range as _time_range
from classes.formatting import time_range_ja as _time_range_ja

register = template.Library()


@register.filter
def date_ja(value):
    """Template filter: ``{{ session.starts_at|date_ja }}`` → ``2026年12月3日(木)``."""
    return _date_ja(value) if value else ""


@register.simple_tag
def time_range_ja(start, end):
    """Template tag: ``{% time_range_ja s.starts_at s.ends_at %}`` → ``10:00〜11:30``."""
    return _time_range_ja(start, end)


@register.simple_tag
def time_range(start, end):
    """Template tag for pages: ``{% time_range s.starts_at s.ends_at %}`` → ``10:00〜11:30`` in
    Japanese, ``10:00–11:30`` in English (``time_range_ja`` is for Japanese papers)."""
    return _time_range(start, end)
