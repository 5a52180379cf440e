"""Defaults and limits shared by the app, the command line and the analyses: one place for each number."""

from __future__ import annotations

#: Coverage threshold in km: the app's slider (default, lowest, highest) and the largest accepted anywhere.
KM_DEFAULT, KM_MIN, KM_MAX = 25, 5, 75
MAX_KM = 500.0
#: Coverage threshold in estimated car minutes: slider (default, lowest, highest) and the largest accepted.
MIN_DEFAULT, MIN_MIN, MIN_MAX = 30, 10, 90
MAX_MINUTES = 500.0
#: Minutes waited at a ferry before crossing (the travel-time model's default).
FERRY_WAIT_MIN = 15.0

#: A site may lie this far outside every province polygon (coastline generalisation) and still count.
PROVINCE_TOLERANCE_M = 1_000.0
#: A population point may lie this far outside every province (grid cells on the coast) and still count.
POPULATION_TOLERANCE_M = 5_000.0

#: At most this many problems of a file are listed; the rest are counted.
MAX_PROBLEMS = 50
#: Uploaded tables of planned sites: largest file, most data rows, longest name.
UPLOAD_MAX_BYTES = 2_000_000
UPLOAD_MAX_ROWS = 5_000
UPLOAD_MAX_NAME_LENGTH = 160
#: The app takes fewer planned sites than the reader allows (each is drawn and counted).
PLANNED_MAX_ROWS = 500
#: A workbook may unpack to at most this many bytes (guards against zip bombs).
MAX_UNPACKED_BYTES = 50_000_000
#: Population files: most rows (or features); aggregate a finer grid first.
POPULATION_MAX_ROWS = 2_000_000
