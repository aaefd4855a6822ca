"""Validation curves of runs 82 and 83 from their cleaned logs (run<N>/train.log), one CSV: arm, epoch, psnr, ssim,
ae. Epoch lines of the starts (`start i  epoch …`, phase 1's first 12 epochs, tried one after another) go under
`run<N>_start<i>`; every later line under `run<N>` (the kept start, continued).
PYTHONPATH=src python docs/results/cpu_real_v36/curves.py run82 run83 > val_curves.csv   (in this folder)"""
import csv
import re
import sys

w = csv.writer(sys.stdout)
w.writerow(["arm", "epoch", "psnr", "ssim", "ae"])
for run in sys.argv[1:]:
    for m in re.finditer(r"(?:start (\d+)\s+)?epoch\s+(\d+) \w+\s+lr .*? val ([\d.]+)/([\d.]+)/([\d.]+)",
                         open(f"{run}/train.log").read()):  # fmt: skip
        start, *rest = m.groups()
        w.writerow([run if start is None else f"{run}_start{start}", *rest])
