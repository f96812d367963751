from django import template

from residents.formatting import birth_date_era as _birth_date_era

register = template.Library()


@register.filter
def birth_date_era(value):
    """Template filter: ``{{ r.birth_date|birth_date_era }}`` → ``昭和18年（1943年）5月1日``."""
    return _birth_date_era(value)
