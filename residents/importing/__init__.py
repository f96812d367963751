"""Reading the resident lists offices keep: readers (xlsx, CSV encodings), headers (the
synonyms table), values (dates, phones, devices as typed), process (rows in chunks, duplicates,
saving) and report (text and downloads). The state changes live in ``residents.services_import``.
"""
