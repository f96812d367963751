"""Background jobs of the resident-list import. Kept thin: each calls one service and is safe to
run twice (a run is claimed atomically by its status). A task that could not be queued (broker
down) leaves the run waiting; the page says so and the staff member uploads or confirms again.
"""

from celery import shared_task

from residents.services_import import resident_import_preview, resident_import_run


@shared_task(name="residents.tasks.preview_import")
def preview_import(import_id: int) -> bool:
    """Read the uploaded list of ResidentImport ``import_id`` (a primary key) and record its
    preview. Returns False when the run was not waiting to be read."""
    return resident_import_preview(import_id=import_id)


@shared_task(name="residents.tasks.run_import")
def run_import(import_id: int) -> bool:
    """Import the confirmed list of ResidentImport ``import_id``. Returns False when the run was
    not waiting to be imported."""
    return resident_import_run(import_id=import_id)
