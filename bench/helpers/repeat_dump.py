#!/usr/bin/env python3
"""repeat_dump.py DUMP N OUT: a jemalloc heap_v2 dump with its records written N times.

The header and the MAPPED_LIBRARIES section stay as they are, so the result is a valid dump of
N times the size whose stacks fold like the original's with N times the values: the load of a
large dump without needing a program that makes one."""
import sys

src, copies, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = open(src, encoding="latin-1").read()
maps_at = text.find("\nMAPPED_LIBRARIES:")
body, maps = (text, "") if maps_at < 0 else (text[: maps_at + 1], text[maps_at + 1 :])
first_record = body.find("\n@")
header, records = body[: first_record + 1], body[first_record + 1 :]
with open(out, "w", encoding="latin-1") as f:
    f.write(header)
    for _ in range(copies):
        f.write(records)
    f.write(maps)
