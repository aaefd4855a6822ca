"""Where two training logs of one recipe and seed first part: each epoch's line without its speed
(img/s), compared in order; prints the first differing epoch with both lines, and how many agree.
Usage: python first_part.py A/train.log B/train.log"""
import re
import sys


def epochs(path: str) -> list[str]:
    out = []
    for line in open(path, encoding="utf-8"):
        if re.match(r"\s*epoch\s+\d+", line):
            out.append(re.sub(r"\s[\d.]+ img/s", "", line.rstrip()))
    return out


a, b = (epochs(p) for p in sys.argv[1:3])
n = min(len(a), len(b))
for i in range(n):
    if a[i] != b[i]:
        print(f"first part at line {i + 1} of {n} epoch lines:\n  {sys.argv[1]}: {a[i].strip()}\n  {sys.argv[2]}: {b[i].strip()}")
        break
else:
    print(f"all {n} epoch lines agree (speed aside)")
