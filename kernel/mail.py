"""Plain-text mails from templates: a subject template and a message template per mail."""

from typing import Any

from django.template.loader import render_to_string


def mail_render(*, template: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) from ``<template>_subject.txt`` and ``<template>_message.txt``, rendered
    in the active language (wrap the call in ``translation.override`` to choose another).

    The subject is folded onto one line; the body loses the blank lines and spaces the template
    tags leave at its start and end. Raises TemplateDoesNotExist for an unknown ``template``.
    """
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split("\n")).strip()
    body = render_to_string(f"{template}_message.txt", context).strip()
    return subject, body
