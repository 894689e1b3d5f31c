"""Parsing of creator-data files: readers (formats, encodings), headers (mapping), values (cells).

Pure Python and pandas; no ORM. The upserts live in ``discovery.services.imports``.
"""
