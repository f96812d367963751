"""Limits the benchmark and load-test accounts raise, through the same settings as everyone.

A benchmark opens thousands of residents' pages in minutes: far more than the read limit
(``settings.AUDIT_READ_LIMIT``, kernel.audit_reads) lets a person see. The bench commands raise it
to ``BENCH_AUDIT_READ_LIMIT`` for their own run and print the value, so a figure is never taken
from a "429 paused" page. Every read is still written to the audit trail.
"""

BENCH_AUDIT_READ_LIMIT = 10_000_000


def read_limit_line(limit: int) -> str:
    """The line the bench commands print about the read limit they run with."""
    return (
        f"Audit read limit for the bench accounts: {limit:,} residents per window "
        "(AUDIT_READ_LIMIT, raised for this run; reads are still audited)"
    )
