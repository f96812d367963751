"""The audit trail: who viewed or changed a resident's personal data, a loan or a device, and when.

Three ways events are written, all through ``audit_record``:

- **Changes** are caught by model signals on the audited models (``AUDITED_MODELS``), so a change
  made through a service, the admin site, a command or a task is recorded whichever code path made
  it. The event names the changed fields, never their values (a device's or loan's status change
  is shown as ``status: available → on_loan``: statuses are not personal data).
- **Reads and exports** of personal data: ``kernel.audit_reads.AuditMiddleware`` writes one event
  per page shown that loaded residents (lists, searches, detail pages, PDFs, downloads, the admin
  site), with the query string and the residents shown, and applies the read limit.
- **Erasure, anonymisation and disclosure exports** are recorded explicitly by
  ``privacy.services`` and ``privacy.views``.

The user, request path and IP address come from the request being served (a context variable set
by the middleware); a Celery task or a command records no user ("system").
"""

from __future__ import annotations

import contextvars
import dataclasses
import ipaddress
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_init, post_save, pre_save

from kernel.models import AuditAction, AuditEvent


@dataclasses.dataclass
class RequestState:
    """What the audit trail knows of the request being served: who, where from, and the
    residents its page loaded (``resident_ids``, filled while the view runs)."""

    user: Any
    path: str
    ip: str | None
    query: str = ""
    resident_ids: set[int] = dataclasses.field(default_factory=set)
    # True once the view itself recorded its read or export (no second event for the page).
    read_recorded: bool = False


current_request: contextvars.ContextVar[RequestState | None] = contextvars.ContextVar(
    "audit_current_request", default=None
)

# Models whose changes are recorded. Fields left out of the "changed" list: bookkeeping
# timestamps and the derived search keys a model names in ``SEARCH_KEY_FIELDS``.
AUDITED_MODELS = (
    "residents.Resident",
    "loans.Loan",
    "loans.Device",
    "loans.LoanApplication",
    "loans.LoanCheckIn",
    "residents.SkillAssessment",
)
# The model whose rows are the residents' personal data: loading one during a request is a read.
PERSONAL_MODEL = "residents.Resident"
_IGNORED_FIELDS = {"created_at"}
# Fields whose values are not personal and help to read the trail.
_SHOWN_VALUES = {"status"}
_READ_ACTIONS = {AuditAction.VIEW, AuditAction.EXPORT}


def client_ip(request) -> str | None:
    """The client's IP address as text, or None. The one rule for the audit trail and the login
    rate limits (``kernel.adapters`` hands it to allauth).

    ``REMOTE_ADDR``, unless ``settings.ALLAUTH_TRUSTED_PROXY_COUNT`` (env TRUSTED_PROXY_COUNT,
    default 0) proxies are in front: then the entry of X-Forwarded-For that the outermost trusted
    proxy added (each proxy appends the address it saw). With fewer entries than trusted proxies,
    or an entry that is no IP address, ``REMOTE_ADDR``: a client that reaches Django directly
    cannot choose its address by sending the header.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= count:
            try:
                return str(ipaddress.ip_address(hops[-count]))
            except ValueError:
                return remote
    return remote


def audit_record(
    *,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: int | None = None,
    summary: str = "",
    user: Any = None,
    request: Any = None,
    query: str = "",
    resident_ids: Any = (),
    resident_count: int | None = None,
) -> AuditEvent:
    """Append one event to the audit trail and return it.

    ``obj``: a model instance (its ``app_label.model`` and pk are stored), or give
    ``object_type``/``object_id`` instead. ``summary``: short and free of personal data (field
    names, a status change, a reason category), cut at 300 characters. ``user``/``request``
    default to the request being served, if any (none in tasks). ``query``: the page's query
    string (cut at 300 characters); ``resident_ids``: the residents a read showed (their count is
    stored beside them unless ``resident_count`` is given). A VIEW or EXPORT recorded while a request is served stands for that
    page: the middleware adds no second event. Times are stored in UTC and shown in Asia/Tokyo.
    """
    state = current_request.get()
    info = state
    if request is not None:
        info = RequestState(
            user=getattr(request, "user", None), path=request.path, ip=client_ip(request)
        )
    if user is None and info is not None:
        user = info.user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    ids = sorted(set(resident_ids))
    if state is not None and action in _READ_ACTIONS:
        state.read_recorded = True
    return AuditEvent.objects.create(
        user=user,
        username=user.get_username() if user is not None else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=(summary or "")[:300],
        path=(info.path if info else "")[:300],
        ip=info.ip if info else None,
        query=(query or "")[:300],
        resident_count=len(ids) if resident_count is None else resident_count,
        resident_ids=ids,
    )


def residents_shown(resident_ids) -> None:
    """Note that the page being served shows these residents (ids), for its audit event.

    Residents loaded as model instances are noted by themselves (a ``post_init`` signal); call
    this where a page reads them with ``values()`` or raw SQL. Does nothing outside a request.
    """
    state = current_request.get()
    if state is not None:
        state.resident_ids.update(int(pk) for pk in resident_ids if pk is not None)


def _resident_loaded(sender, instance, **kwargs) -> None:
    state = current_request.get()
    if state is not None and instance.pk is not None:
        state.resident_ids.add(instance.pk)


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
    # Every resident row loaded while a page is served counts as shown on that page.
    post_init.connect(
        _resident_loaded, sender=apps.get_model(PERSONAL_MODEL), dispatch_uid="audit_reads"
    )
