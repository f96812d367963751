"""Residents' rights over their data: disclosure (本人開示) export, erasure on request and after the
retention period. Reads registrations and loans, so it sits above ``classes`` and ``loans``."""
