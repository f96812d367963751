"""Caravan mode: the page that works offline, its service worker and its JSON endpoints. Thin:
parse, call the selector or service, answer.

The JSON endpoints (data, token, sync) never redirect to the login page: a login that expired
during the caravan answers 403 with ``{"login_required": true, "login_url": ...}`` so the page
keeps its queue and asks the staff member to log in again.
"""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from classes import selectors_caravan, services_caravan
from classes.models import Consultation, Session
from classes.view_helpers import CHANGE_ROLES, first_error, get_session_for_user
from kernel.roles import require_role, role_required

# The service worker's scope: every caravan page lives under it (/sessions/caravan/<pk>/).
SW_CACHE_NAME = "caravan-v1"


def _caravan_for(user, pk: int) -> Session:
    """The caravan the user may change (404 when not a caravan or another venue's, 403 else)."""
    session = get_session_for_user(user, pk, change=True)
    if session.kind != Session.Kind.CARAVAN:
        raise Http404
    return session


def _login_url(request: HttpRequest, pk: int) -> str:
    return (
        reverse("account_login") + "?" + urlencode({"next": reverse("classes:caravan", args=[pk])})
    )


def _json_caravan(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """For the JSON endpoints: an expired login is a 403 JSON answer (never a redirect), a
    caravan the user may not change 403 or 404 JSON; the view gets the caravan."""

    @wraps(view)
    def wrapped(request: HttpRequest, pk: int) -> JsonResponse:
        if not request.user.is_authenticated:
            return JsonResponse(
                {
                    "login_required": True,
                    "login_url": _login_url(request, pk),
                    "message": _("Your login has expired. Please log in again."),
                },
                status=403,
            )
        try:
            require_role(request.user, CHANGE_ROLES)
            session = _caravan_for(request.user, pk)
        except PermissionDenied:
            return JsonResponse({"message": _("You may not change this caravan.")}, status=403)
        except Http404:
            return JsonResponse({"message": _("This caravan was not found.")}, status=404)
        return view(request, session)

    return wrapped


@require_GET
@role_required(*CHANGE_ROLES)
def caravan_page(request, pk: int):
    """The caravan's offline page. It holds no resident data itself: the script fills it from
    the device's IndexedDB once staff pressed 「オフラインで使う」."""
    session = _caravan_for(request.user, pk)
    categories = [(v, str(label)) for v, label in Consultation.Category.choices if v]
    config: dict[str, Any] = {
        "sessionId": session.pk,
        "pageUrl": reverse("classes:caravan", args=[session.pk]),
        "dataUrl": reverse("classes:caravan_data", args=[session.pk]),
        "tokenUrl": reverse("classes:caravan_token", args=[session.pk]),
        "syncUrl": reverse("classes:caravan_sync", args=[session.pk]),
        "swUrl": reverse("classes:caravan_sw"),
        "swScope": reverse("classes:caravan_sw").rsplit("/", 1)[0] + "/",
        "cacheName": SW_CACHE_NAME,
        "timeZone": settings.TIME_ZONE,
        "loginUrl": _login_url(request, session.pk),
        "batchSize": services_caravan.MAX_RECORDS,
        "categories": dict(categories),
        "strings": _strings(),
    }
    return render(
        request,
        "classes/caravan.html",
        {
            "session": session,
            "config": config,
            "categories": categories,
            "cancelled": session.status == Session.Status.CANCELLED,
        },
    )


def _strings() -> dict[str, str]:
    """The script's messages, in the page's language."""
    return {
        "notStored": _("Nothing of this caravan is stored on this device yet."),
        "storing": _("Storing the caravan on this device…"),
        "stored": _("Stored on this device on %(when)s. The page opens without a network."),
        "storeFailed": _(
            "The caravan could not be stored: the server could not be reached. "
            "Please try again while connected."
        ),
        "noServiceWorker": _(
            "This browser cannot keep pages for offline use here (it needs HTTPS or localhost)."
        ),
        "pending": _("Waiting to be sent: %(count)s"),
        "nothingPending": _("Nothing waiting to be sent."),
        "sending": _("Sending…"),
        "unreachable": _(
            "The server cannot be reached. The records stay on this device; send them again "
            "when the network is back."
        ),
        "serverError": _(
            "The server could not take the records (error %(status)s). They stay on this "
            "device; please send again later."
        ),
        "loginExpired": _(
            "Your login has expired. Nothing is lost: the records stay on this device. Log in "
            "again, then press “Send now”."
        ),
        "sentAll": _("Everything was sent. The caravan's data was removed from this device."),
        "sentSomeRefused": _(
            "Everything was sent, but the server refused some records (reasons below). The "
            "rest of the caravan's data was removed from this device."
        ),
        "stateNew": _("waiting to be sent"),
        "stateAccepted": _("sent"),
        "stateRefused": _("refused"),
        "walkIn": _("Walk-in"),
        "consultation": _("Consultation"),
        "visitorsPlus": _("Visitor counted (+1)"),
        "visitorsMinus": _("Visitor count corrected (−1)"),
        "presence": _("Present"),
        "absence": _("Presence taken back"),
        "walkInAdded": _("Walk-in recorded on this device: %(name)s"),
        "consultationAdded": _("Consultation recorded on this device."),
        "needName": _("Enter the name and its kana."),
        "needCategory": _("Choose a category."),
        "clearConfirm": _(
            "Records not sent yet will be lost. Remove the caravan's data from this device?"
        ),
        "cleared": _("The caravan's data was removed from this device."),
        "dismissed": _("The refused records were removed from this device."),
    }


@require_GET
@_json_caravan
def caravan_data(request, session: Session) -> JsonResponse:
    """GET: the caravan's facts and expected residents for the device (recorded as an export)."""
    return JsonResponse(selectors_caravan.caravan_offline_data(session=session))


@require_GET
@_json_caravan
def caravan_token(request, session: Session) -> JsonResponse:
    """GET: a fresh CSRF token for the next send (a new login gets a new token)."""
    return JsonResponse({"csrf_token": get_token(request)})


@require_POST
@_json_caravan
def caravan_sync(request, session: Session) -> JsonResponse:
    """POST ``{"records": [...]}`` (JSON, X-CSRFToken header): apply them; answer
    ``{"results": [{"id", "status", "message", "resent", "flagged"}]}`` in order, or 400 with
    ``message`` when the body is not understood."""
    if request.content_type != "application/json":
        # A form post (its body already read as form data by then) is no list of records.
        return JsonResponse({"message": _("The records were not understood.")}, status=400)
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return JsonResponse({"message": _("The records were not understood.")}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"message": _("The records were not understood.")}, status=400)
    try:
        results = services_caravan.caravan_sync(
            session=session, records=body.get("records"), by=request.user
        )
    except ValidationError as exc:
        return JsonResponse({"message": first_error(exc)}, status=400)
    return JsonResponse({"results": [r.as_dict() for r in results]})


@require_GET
def caravan_service_worker(request) -> HttpResponse:
    """The service worker script (public, no data): at /sessions/caravan/sw.js its scope covers
    every caravan page. It answers from the copy the page stored when the network fails."""
    response = render(
        request,
        "classes/caravan_sw.js",
        {"cache_name": SW_CACHE_NAME},
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response
