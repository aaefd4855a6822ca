"""Validation curves of each recipe's three seeds, side by side with their mean (markdown).

The curves are the ones training wrote every `val_every` epochs (EMA weights, mirrored pass, the
run's inference rule; 18 validation pairs at 256 px): `artifacts/plots/<variant>/val_phaseN.csv`,
copied into docs/results. Run from the repository root:
    python docs/results/cpu_real_v10/s15/val_curves.py > docs/results/cpu_real_v10/s15/val_curves.md
"""
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).resolve().parents[2]
RECIPES = {  # (recipe, variant): {row label: folder holding val_<variant>_phaseN.csv}
    ("run 9's paper recipe (32 epochs, batch 2)", "baseline"): {
        "seed 0 (run 9)": "cpu_real_v8", "seed 1 (run 17)": "cpu_real_v10/run17", "seed 2 (run 18)": "cpu_real_v10/run18"},
    ("run 9's paper recipe (32 epochs, batch 2)", "dense"): {
        "seed 0 (run 9)": "cpu_real_v8", "seed 1 (run 17)": "cpu_real_v10/run17", "seed 2 (run 18)": "cpu_real_v10/run18"},
    ("run 10's dense_plus recipe (52 epochs, batch 4)", "dense_plus"): {
        "seed 0 (run 10)¹": "cpu_real_v9", "seed 1 (run 16)": "cpu_real_v10/run16", "seed 2 (run 19)": "cpu_real_v10/run19"},
}  # fmt: skip
FLOOR = {"psnr": 13.14, "ssim": 0.493, "ae": 7.07}  # lookup, fit on the 372 training pairs (docs/results.md)
DIGITS = {"psnr": 2, "ssim": 3, "ae": 2}


def curve(folder: str, variant: str) -> pd.DataFrame:
    parts = [pd.read_csv(RESULTS / folder / f"val_{variant}_phase{p}.csv") for p in (1, 2, 3)]
    return pd.concat(parts).set_index("epoch")


def table(runs: dict[str, str], variant: str, metric: str) -> str:
    frame = pd.DataFrame({label: curve(folder, variant)[metric] for label, folder in runs.items()}).T
    frame.loc["mean of the seeds"] = frame.mean()
    header = "| epoch | " + " | ".join(str(e) for e in frame.columns) + " |"
    lines = [header, "|---" * (len(frame.columns) + 1) + "|"]
    for label, row in frame.iterrows():
        cells = " | ".join(f"{v:.{DIGITS[metric]}f}" for v in row)
        lines.append(f"| {label} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    print("# Validation curves, three seeds per recipe\n")
    print("18 validation pairs, 256 px, EMA weights, mirrored pass and the 2×2 phase average, every")
    print(f"4 epochs and at each phase's end. lookup (floor): {FLOOR['psnr']} dB / {FLOOR['ssim']} / {FLOOR['ae']}°.")
    print("¹ run 10 validated without the phase average, which scored its final checkpoint 0.06 dB lower.\n")
    for (recipe, variant), runs in RECIPES.items():
        for metric, unit in (("psnr", " (dB)"), ("ssim", ""), ("ae", " (°)")):
            print(f"## {variant}, {recipe}: {metric.upper()}{unit}\n")
            print(table(runs, variant, metric) + "\n")


if __name__ == "__main__":
    main()
