"""Ask once before a step that cancels, removes or erases something.

The button in a list links (GET) to the action's URL, which answers with a confirmation page
naming who and what; its form posts back with ``confirmed=yes``. A POST without that field
(an old page, a script) gets the same page and changes nothing. No JavaScript is involved.
"""

from collections.abc import Sequence

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirmed"
CONFIRM_VALUE = "yes"


def is_confirmed(request: HttpRequest) -> bool:
    """True for a POST that carries the confirmation page's ``confirmed=yes``."""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE


def confirm_page(
    request: HttpRequest,
    *,
    title: str,
    question: str,
    facts: Sequence[tuple[str, str]],
    action_label: str,
    back_url: str,
    note: str = "",
    hidden: dict[str, str] | None = None,
) -> HttpResponse:
    """The confirmation page (status 200) of the step at ``request.path``.

    ``title``: the heading; ``question``: one sentence naming who and what; ``facts``: (label,
    value) pairs shown as a list (whose registration, which session, when); ``note``: what
    happens next and how to undo it, if it can be undone; ``action_label``: the destructive
    button's words; ``back_url``: where "Go back" leads (nothing is changed); ``hidden``: fields
    posted along (e.g. ``next``). All strings are already translated.
    """
    return render(
        request,
        "kernel/confirm.html",
        {
            "title": title,
            "question": question,
            "facts": list(facts),
            "note": note,
            "action_label": action_label,
            "back_url": back_url,
            "hidden": sorted((hidden or {}).items()),
            "confirm_field": CONFIRM_FIELD,
            "confirm_value": CONFIRM_VALUE,
        },
    )
