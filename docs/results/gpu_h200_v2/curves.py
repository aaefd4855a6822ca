"""Per-epoch lines of the device logs (scripts/gpu_quality.sh's res/<variant>.log) as one CSV.

  python docs/results/gpu_h200_v2/curves.py docs/results/gpu_h200_v2/ep40 docs/results/gpu_h200_v2/ep64
writes <dir>/curves.csv for each run folder: run, variant, epoch, mode, lr, loss_g, pair_rgb,
images_per_s and, every 4 epochs, val_psnr / val_ssim / val_ae (the EMA generator at 256 px).
"""

import re
import sys
from pathlib import Path

LINE = re.compile(
    r"epoch\s+(\d+) (\w+)\s+lr (\S+) G (\S+) pair_rgb (\S+) D \S+ (\S+) img/s"
    r"(?: val (\S+)/(\S+)/(\S+))?"
)

for run in map(Path, sys.argv[1:]):
    rows = ["run,variant,epoch,mode,lr,loss_g,pair_rgb,images_per_s,val_psnr,val_ssim,val_ae"]
    for variant in ("baseline", "dense", "dense_plus"):
        text = (run / f"{variant}.log").read_text().replace("\r", "\n")
        for m in LINE.finditer(text):
            rows.append(",".join([run.name, variant, *(g or "" for g in m.groups())]))
    (run / "curves.csv").write_text("\n".join(rows) + "\n")
    print(run / "curves.csv", len(rows) - 1, "epochs")
