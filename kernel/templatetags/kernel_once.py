"""``{% once_token %}``: the hidden one-time token of an "add" form (see ``kernel.once``)."""

from django import template

from kernel.once import TOKEN_FIELD, once_token_new

register = template.Library()


@register.inclusion_tag("kernel/_once_token.html")
def once_token() -> dict:
    """A hidden field with a fresh token; put it inside the ``<form>``, next to csrf_token."""
    return {"name": TOKEN_FIELD, "value": once_token_new()}
