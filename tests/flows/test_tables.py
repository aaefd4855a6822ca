"""The compare stage's Table I markdown sets every variant against the paper's dense row (issue 12's target)."""

import json

import pandas as pd

from flows.compare import build_tables
from nircolor.metrics import metrics_table


def test_table_one_sets_each_variant_against_the_papers_dense_row(tmp_path):
    names = ["v0", "v1", "v2"]
    paths = {}
    for name, psnr in {"dense": [16.0, 17.0, 18.0], "lookup": [13.0, 13.0, 13.0]}.items():
        paths[name] = tmp_path / f"{name}.csv"
        metrics_table(names, psnr, [0.5, 0.55, 0.6], [6.0, 6.0, 6.0]).to_csv(paths[name], index=False)
    out = {k: str(tmp_path / f"{k}.out") for k in ("table_csv", "comparisons_csv", "table_md")}
    got = build_tables.fn({"dense": str(paths["dense"])}, {"lookup": str(paths["lookup"])}, out,
                          "Table I", {}, "psnr")  # fmt: skip
    md = (tmp_path / "table_md.out").read_text()
    # hand-computed: mean PSNR 17.00 − 17.14 = −0.14; SSIM 0.55 − 0.52 = +0.03; AE 6.00 − 5.93 = +0.07
    assert "dense − paper dense, PSNR: -0.14 dB" in md and "short of the paper's dense row" in md
    assert "dense − paper dense, SSIM: +0.030" in md and "dense − paper dense, AE: +0.07°" in md
    vs = json.loads(json.dumps(got["comparison"].metrics()))["vs_paper"]["dense_vs_paper_dense"]
    assert (vs["psnr"]["reaches"], vs["ssim"]["reaches"], vs["ae"]["reaches"]) == (0, 1, 0)
    assert len(pd.read_csv(out["comparisons_csv"])) == 3  # the paper's row is not a pair of variants
