"""Demo and benchmark data: a believable small program (``seed_demo``) and a city-scale data set
(``generate_city``).

Both build on the program data (venues, topics from ``load_program_data``) and write rows with
``bulk_create``, so they fill by hand what ``save()`` would: the residents' search keys
(``Resident.set_search_keys``). They keep the invariants the services keep: a device is never on
two active loans, registered residents never exceed a session's seats (the rest are waitlisted),
a supporter is never on two sessions at the same time.

Everything is deterministic for a given seed and ``today``. Times are aware, Asia/Tokyo (JST).
"""
