#!/usr/bin/env python3
"""distinct_stacks.py DUMP N OUT [--random-pcs]: a heap_v2 dump of N distinct stacks.

DUMP's header and MAPPED_LIBRARIES section are kept. Each of the N records is a stack of 8 to 40
return addresses (seeded, so the same N gives the same dump), with one object of 4096 bytes:
  default       addresses drawn from DUMP's own stacks: every frame is real code, the distinct
                addresses stay those of DUMP and only the stacks grow in number;
  --random-pcs  random addresses in DUMP's executable mappings: the distinct addresses grow with
                N too (about 24 per stack), and most functions of every mapped file are looked up.
The cost of distinct stacks and addresses, which repeating a dump's records (repeat_dump.py)
does not measure."""
import random
import re
import sys

if len(sys.argv) not in (4, 5) or (len(sys.argv) == 5 and sys.argv[4] != "--random-pcs"):
    sys.exit(__doc__.splitlines()[0])
src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
random_pcs = len(sys.argv) == 5
text = open(src, encoding="latin-1").read()
maps_at = text.find("\nMAPPED_LIBRARIES:")
if maps_at < 0:
    sys.exit(f"{src}: no MAPPED_LIBRARIES section")
body, maps = text[: maps_at + 1], text[maps_at + 1 :]
header = body[: body.find("\n@") + 1]
pcs = sorted({int(a, 16) for line in body.splitlines() if line.startswith("@")
              for a in line.split()[1:]})
code = [(int(m.group(1), 16), int(m.group(2), 16))
        for m in re.finditer(r"^([0-9a-f]+)-([0-9a-f]+) r-xp", maps, re.M)]
if not pcs or (random_pcs and not code):
    sys.exit(f"{src}: no stacks or no executable mappings")
rng = random.Random(42)
with open(out, "w", encoding="latin-1") as f:
    f.write(header)
    for _ in range(n):
        depth = rng.randint(8, 40)
        if random_pcs:
            stack = [rng.randrange(*rng.choice(code)) for _ in range(depth)]
        else:
            stack = [rng.choice(pcs) for _ in range(depth)]
        f.write("@ " + " ".join("0x%x" % a for a in stack) + "\n  t*: 1: 4096 [0: 0]\n")
    f.write(maps)
