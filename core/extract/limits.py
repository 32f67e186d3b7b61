"""Every resource limit of extraction, in one place, each with the reason for its number.

A limit holds for any input, however hostile: no single file may take more than a bounded
amount of memory or time, and a file over a limit is refused with a reason naming that limit.
"""

from __future__ import annotations

# Files over this are refused by size before a byte is read. Notes and documents worth searching
# are far smaller; larger files are logs, dumps and data, and would dominate the index.
MAX_FILE_BYTES = 50 * 1024 * 1024
