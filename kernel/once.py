"""One-time form tokens: a double click or a resent POST saves once.

Every "add" form renders ``{% once_token %}`` (``kernel_once`` tag library): a hidden field with
a fresh random token. The view runs its service call inside ``submitted_once(request)``; the
token is inserted into ``FormSubmission`` (unique) in the same transaction as the saved rows.
A second POST with the same token, sequential or concurrent on another worker, raises
``AlreadySubmitted`` carrying the first one's result URL instead of saving again; the view
answers it with ``already_saved(request, done, fallback)``, a redirect with a message.

A POST without a token (a script, an old page) is served as before: the token protects the
people who click twice, not a boundary against crafted requests.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.models import FormSubmission

TOKEN_FIELD = "once_token"
TOKEN_MAX_LENGTH = 64


def once_token_new() -> str:
    """A fresh random token (URL-safe text, 32 characters)."""
    return secrets.token_urlsafe(24)


class AlreadySubmitted(Exception):
    """The form's token was used before; ``result_url`` shows what that POST saved ("" when
    the view recorded none)."""

    def __init__(self, result_url: str):
        super().__init__(result_url)
        self.result_url = result_url


@dataclass
class Submission:
    """What the view tells ``submitted_once`` inside the block: ``result_url``, where a repeated
    POST should be sent (e.g. the created object's page)."""

    token: str
    result_url: str = ""


def _token(request: HttpRequest) -> str:
    token = request.POST.get(TOKEN_FIELD, "").strip()
    return token if 0 < len(token) <= TOKEN_MAX_LENGTH else ""


def _used(token: str) -> FormSubmission | None:
    return FormSubmission.objects.filter(token=token).only("result_url").first()


@contextmanager
def submitted_once(request: HttpRequest) -> Iterator[Submission]:
    """Run the block at most once per form token, in one transaction with the token's row.

    Raises AlreadySubmitted (before the block runs) when the token was used, also when an
    identical POST is saving right now on another connection (the unique index makes this one
    wait for it, then fail). Any exception from the block rolls back the block and the token,
    so the user can correct the form and send it again.
    """
    token = _token(request)
    if not token:
        yield Submission(token="")
        return
    if (prior := _used(token)) is not None:
        raise AlreadySubmitted(prior.result_url)
    submission = Submission(token=token)
    user = request.user if request.user.is_authenticated else None
    try:
        with transaction.atomic():
            row = FormSubmission.objects.create(token=token, user=user)
            yield submission
            if submission.result_url:
                row.result_url = submission.result_url[:500]
                row.save(update_fields=["result_url"])
    except IntegrityError:
        prior = _used(token)
        if prior is None:
            raise  # not our token's clash: a real error from the block
        raise AlreadySubmitted(prior.result_url) from None


def already_saved(request: HttpRequest, done: AlreadySubmitted, fallback: str) -> HttpResponse:
    """The answer to a repeated POST: back to what the first one saved (else ``fallback``, a
    URL) with the message "already saved"."""
    messages.info(request, _("This form was already sent and saved; it was not saved twice."))
    return redirect(done.result_url or fallback)


def form_submissions_forget(*, older_than_days: int) -> int:
    """Delete used tokens older than ``older_than_days`` days and return how many went.

    A form left open longer than that and sent again saves again: a day's tokens are what a double
    click or a resent page needs; a week is kept. Run daily by Celery beat (``kernel.tasks``).
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
