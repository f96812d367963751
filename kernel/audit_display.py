"""Audit summaries in words, at display time (what is stored stays as it is).

``kernel.audit`` stores short technical summaries: the URL name of a page that showed residents
(``residents:list``, ``admin:loans_loan_change``), the changed fields of a row
(``name_kana; status: active → returned``), or a fixed text a product app wrote
(``reason: deceased``). ``summary_display`` turns them into the reader's language:

- a URL name becomes the page's name, taken from the ``PAGE_NAMES`` dict (URL name without its
  namespace -> lazy translated name) of the urlconf module that holds it (each app's
  ``urls.py``); Django admin pages are named from their model ("管理サイト：端末（変更）");
- field names become the model's field ``verbose_name`` and stored choice values their
  ``TextChoices`` label (``status: active → returned`` -> 状態：貸出中 → 返却済み);
- fixed texts registered with ``register_summaries`` (by the app that writes them) are shown
  as registered.

Anything not recognised is shown as stored.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.urls import URLResolver, get_resolver
from django.utils.translation import gettext, pgettext
from django.utils.translation import pgettext_lazy as _p

_SUMMARIES: dict[str, Any] = {}
_CHANGE = re.compile(r"^(?P<field>\w+): (?P<old>.*) → (?P<new>.*)$")
_URL_NAME = re.compile(r"^[\w-]+(?::[\w-]+)*$")
_ADMIN_ACTIONS = {
    "changelist": _p("admin page", "list"),
    "add": _p("admin page", "add"),
    "change": _p("admin page", "change"),
    "delete": _p("admin page", "delete"),
    "history": _p("admin page", "history"),
}


def register_summaries(mapping: dict[str, Any]) -> None:
    """Show each stored summary text (key) as its value (a lazy translated string)."""
    _SUMMARIES.update(mapping)


@lru_cache(maxsize=4)
def _page_names(resolver) -> dict[str, Any]:
    names: dict[str, Any] = {}

    def walk(res, namespace: str) -> None:
        module = res.urlconf_module
        for key, label in (getattr(module, "PAGE_NAMES", None) or {}).items():
            names[f"{namespace}:{key}" if namespace else key] = label
        for entry in res.url_patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, ns)

    walk(resolver, "")
    return names


def page_names() -> dict[str, Any]:
    """URL name -> the page's name (lazy translated), from every urlconf's ``PAGE_NAMES``."""
    return _page_names(get_resolver())


def page_name(url_name: str) -> str | None:
    """The page's name in the active language, or None when ``url_name`` names no known page."""
    label = page_names().get(url_name)
    if label is not None:
        return str(label)
    if url_name.startswith("admin:"):
        return _admin_page_name(url_name.removeprefix("admin:"))
    return None


def _admin_page_name(name: str) -> str:
    site = gettext("Administration")
    for model in apps.get_models():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        action = name.removeprefix(prefix)
        if action != name and action in _ADMIN_ACTIONS:
            return pgettext("admin page", "%(site)s: %(model)s (%(action)s)") % {
                "site": site,
                "model": model._meta.verbose_name,
                "action": _ADMIN_ACTIONS[action],
            }
    return site


def _field_part(part: str, model) -> str:
    match = _CHANGE.match(part)
    name = match["field"] if match else part
    try:
        field = model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        field = None
    if field is None:
        return part
    if field.auto_created and not field.concrete:
        # A reverse relation ("answers" of a self-assessment): named by the related rows.
        return str(field.related_model._meta.verbose_name_plural)
    label = str(getattr(field, "verbose_name", name))
    if not match:
        return label
    choices = dict(field.flatchoices) if getattr(field, "choices", None) else {}
    old = str(choices.get(match["old"], match["old"]))
    new = str(choices.get(match["new"], match["new"]))
    return pgettext("audit change", "%(field)s: %(old)s → %(new)s") % {
        "field": label,
        "old": old,
        "new": new,
    }


def summary_display(summary: str, object_type: str = "") -> str:
    """``summary`` as stored by ``kernel.audit``, in words in the active language.
    ``object_type``: the event's ``app_label.model`` (names its fields)."""
    if not summary:
        return ""
    if summary in _SUMMARIES:
        return str(_SUMMARIES[summary])
    if _URL_NAME.match(summary):
        name = page_name(summary)
        if name is not None:
            return name
    try:
        model = apps.get_model(object_type) if object_type else None
    except (LookupError, ValueError):
        model = None
    parts = [_field_part(part, model) for part in summary.split("; ")]
    return pgettext("list separator", ", ").join(parts)
