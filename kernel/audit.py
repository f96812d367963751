"""The audit trail: who viewed or changed a resident's personal data, a loan or a device, and when.

Three ways events are written, all through ``audit_record``:

- **Changes** are caught by model signals on the audited models (``AUDITED_MODELS``), so a change
  made through a service, the admin site, a command or a task is recorded whichever code path made
  it. The event names the changed fields, never their values (a device's or loan's status change
  is shown as ``status: available → on_loan``: statuses are not personal data).
- **Views and exports** of personal data are recorded by ``AuditMiddleware`` for the URL names in
  ``AUDITED_READS`` when the page was actually shown (HTTP 200). Searches are not recorded (every
  keystroke would be an event); opening a resident, loan or device is.
- **Erasure, anonymisation and disclosure exports** are recorded explicitly by
  ``privacy.services`` and ``privacy.views``.

The user, request path and IP address come from the request being served (a context variable set
by the middleware); a Celery task or a command records no user ("system").
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save

from kernel.models import AuditAction, AuditEvent


@dataclass(frozen=True)
class _RequestInfo:
    user: Any
    path: str
    ip: str | None


_current_request: contextvars.ContextVar[_RequestInfo | None] = contextvars.ContextVar(
    "audit_current_request", default=None
)

# URL name -> (action, object type, URL kwarg holding the object id or None).
AUDITED_READS: dict[str, tuple[str, str, str | None]] = {
    "residents:detail": (AuditAction.VIEW, "residents.resident", "pk"),
    "residents:edit": (AuditAction.VIEW, "residents.resident", "pk"),
    "loans:loan_detail": (AuditAction.VIEW, "loans.loan", "pk"),
    "loans:device_detail": (AuditAction.VIEW, "loans.device", "pk"),
    "loans:agreement_pdf": (AuditAction.EXPORT, "loans.loan", "pk"),
    "loans:return_receipt_pdf": (AuditAction.EXPORT, "loans.loan", "pk"),
    "classes:call_list_pdf": (AuditAction.EXPORT, "classes.calllistentry", None),
    "loans:register_export": (AuditAction.EXPORT, "loans.loan", None),
    "reports:attendance_sheet": (AuditAction.EXPORT, "classes.session", "pk"),
}

# Models whose changes are recorded. Fields left out of the "changed" list: bookkeeping
# timestamps and the derived search keys a model names in ``SEARCH_KEY_FIELDS``.
AUDITED_MODELS = (
    "residents.Resident",
    "loans.Loan",
    "loans.Device",
    "loans.LoanApplication",
    "loans.LoanCheckIn",
)
_IGNORED_FIELDS = {"created_at"}
# Fields whose values are not personal and help to read the trail.
_SHOWN_VALUES = {"status"}


def _client_ip(request) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client says unless a trusted proxy
    # rewrites it, and the proxy set-up is the deployment's business.
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: int | None = None,
    summary: str = "",
    user: Any = None,
    request: Any = None,
) -> AuditEvent:
    """Append one event to the audit trail and return it.

    ``obj``: a model instance (its ``app_label.model`` and pk are stored), or give
    ``object_type``/``object_id`` instead. ``summary``: short and free of personal data (field
    names, a status change, a reason category), cut at 300 characters. ``user``/``request``
    default to the request being served, if any (none in tasks). Times are stored in UTC and
    shown in Asia/Tokyo.
    """
    info = _current_request.get()
    if request is not None:
        info = _RequestInfo(
            user=getattr(request, "user", None), path=request.path, ip=_client_ip(request)
        )
    if user is None and info is not None:
        user = info.user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    return AuditEvent.objects.create(
        user=user,
        username=user.get_username() if user is not None else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=(summary or "")[:300],
        path=(info.path if info else "")[:300],
        ip=info.ip if info else None,
    )


class AuditMiddleware:
    """Make the current user, path and IP available to ``audit_record`` (signals and services
    have no request), and record views of the pages listed in ``AUDITED_READS``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(
            _RequestInfo(user=request.user, path=request.path, ip=_client_ip(request))
        )
        try:
            response = self.get_response(request)
            match = getattr(request, "resolver_match", None)
            if (
                match is not None
                and response.status_code == 200
                and request.method in ("GET", "HEAD")
                and match.view_name in AUDITED_READS
                and request.user.is_authenticated
            ):
                action, object_type, kwarg = AUDITED_READS[match.view_name]
                audit_record(
                    action=action,
                    object_type=object_type,
                    object_id=match.kwargs.get(kwarg) if kwarg else None,
                    summary=match.view_name,
                )
            return response
        finally:
            _current_request.reset(token)


# --- change signals ----------------------------------------------------------------------------


def _audited_fields(model) -> list:
    ignored = _IGNORED_FIELDS.union(getattr(model, "SEARCH_KEY_FIELDS", ()))
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.name not in ignored]


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw or instance.pk is None or getattr(instance, "_audit_skip", False):
        instance._audit_old = None
        return
    fields = _audited_fields(sender)
    if update_fields is not None:
        fields = [f for f in fields if f.name in update_fields or f.attname in update_fields]
        if not fields:
            # Only unaudited fields are saved (values() with no field would read the whole row).
            instance._audit_old = None
            return
    instance._audit_old = (
        sender._base_manager.filter(pk=instance.pk).values(*[f.attname for f in fields]).first()
    )


def _after_save(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or getattr(instance, "_audit_skip", False):
        return
    if created:
        audit_record(action=AuditAction.CREATE, obj=instance)
        return
    old = getattr(instance, "_audit_old", None)
    instance._audit_old = None
    if old is None:
        return
    changed = []
    for field in _audited_fields(sender):
        if field.attname not in old or old[field.attname] == getattr(instance, field.attname):
            continue
        if field.name in _SHOWN_VALUES:
            changed.append(
                f"{field.name}: {old[field.attname]} → {getattr(instance, field.attname)}"
            )
        else:
            changed.append(field.name)
    if changed:
        audit_record(action=AuditAction.CHANGE, obj=instance, summary="; ".join(changed))


def _after_delete(sender, instance, **kwargs) -> None:
    if getattr(instance, "_audit_skip", False):
        return
    audit_record(action=AuditAction.DELETE, obj=instance)


def connect_signals() -> None:
    """Connect the change signals (called once from ``ProjectConfig.ready``)."""
    from django.apps import apps

    for label in AUDITED_MODELS:
        model = apps.get_model(label)
        uid = f"audit_{model._meta.label_lower}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}_pre")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}_post")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}_delete")
