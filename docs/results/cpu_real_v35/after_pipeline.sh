# session 43, after runs 80 and 81 (the v31 recipe through `dvc exp run` in a clone whose data/ is the real data):
# each run's evaluate outputs and ingest metrics, its per-image table against the hand path's at the same seed
# (runs 74 and 75, session 42), the registered versions' saturation scales, and the registry comparison
# (/work/s43/chain81.sh wrote it). CLONE: the clone (default /work/s43/clone). Runs whose output is missing are left out.
set -e; E=/work/main/docs/results/cpu_real_v35; V34=/work/main/docs/results/cpu_real_v34; C=${CLONE:-/work/s43/clone}
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/main/src:/work/main
cd $E; cp $C/artifacts/metrics/ingest.json ingest_v31.json
for spec in 80:baseline:74 81:dense:75; do IFS=: read -r n v ref <<< "$spec"
  [ -f $C/artifacts/eval/$v/evaluate.json ] || continue
  mkdir -p run$n; cp $C/artifacts/eval/$v/table.csv run$n/eval_$v.csv; cp $C/artifacts/eval/$v/chroma_fit.csv run$n/
  cp $C/artifacts/eval/$v/evaluate.json run$n/; tr '\r' '\n' < /work/s43/run$n.log | grep -v '%|' | grep -v '^\s*$' > run$n/dvc_exp_run.log
  echo "run$n wall (dvc exp run, from the first stage to the last): $(( $(cat /work/s43/run$n.end) - $(cat /work/s43/run$n.start) )) s" > run$n/wall.txt
  python - run$n/eval_$v.csv $V34/run$ref/eval_${v}_fit.csv run$ref <<'PY' > run$n/same_as_run$ref.txt
import sys
import pandas as pd
a, b = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])
d = (a[["psnr", "ssim", "ae"]] - b[["psnr", "ssim", "ae"]]).abs().max()
same = list(a["image"]) == list(b["image"]) and bool((d <= 0.5e-4 + 1e-9).all())
print(f"{sys.argv[1]} against {sys.argv[3]}'s table at its held-out scale ({sys.argv[2]}): largest per-image difference "
      f"PSNR {d['psnr']:.2g}, SSIM {d['ssim']:.2g}, AE {d['ae']:.2g} (4 decimals kept) -> {'same' if same else 'DIFFERENT'}")
print("averages:", " / ".join(f"{a.iloc[-1][m]:.3f}" for m in ("psnr", "ssim", "ae")))
PY
done
(cd $C && python - <<'PY') > registry.txt
from flows.registry.load import load_registered
from nircolor.environment import quiet_environment
quiet_environment()
for alias in ("baseline", "dense"):
    try:
        _, meta = load_registered("sqlite:///mlflow.db", "nir-colorizer", alias)
    except Exception as err:  # a variant not (yet) registered
        print(f"@{alias}: {type(err).__name__}: {str(err).splitlines()[0]}")
        continue
    print(f"nir-colorizer@{alias}: {meta['variant']} {meta['phase']} epoch {meta['epoch']}, chroma_scale {meta['chroma_scale']:g}")
PY
[ -f /work/s43/registry_compare.md ] && cp /work/s43/registry_compare.md registry_compare.md
true
