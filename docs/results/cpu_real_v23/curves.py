"""Validation curves of the session-32 ablation arms, read from their training logs (`<arm>.log` in
the working folder; the `val P/S/A` of each scored epoch line), as one CSV: arm, epoch, psnr, ssim, ae."""
import re, sys, csv
w = csv.writer(sys.stdout)
w.writerow(["arm", "epoch", "psnr", "ssim", "ae"])
for arm in sys.argv[1:]:
    text = open(f"{arm}.log").read()
    for m in re.finditer(r"epoch\s+(\d+) \w+\s+lr .*? val ([\d.]+)/([\d.]+)/([\d.]+)", text):
        w.writerow([arm, *m.groups()])
