# Sourced by the results folders' scripts (cpu_real_v27 on): `tables LABEL CSV...` prints one `--table LABEL=CSV`
# per table, the arguments `nircolor compare` pools under one label; PV holds the least-squares paper variants,
# three seeds each (baseline runs 25, 27, 28; dense runs 29, 30, 39), the comparison every dense_plus recipe faces.
# Paths are from the project root.
tables() { local l=$1; shift; for p in "$@"; do printf -- '--table %s=%s ' "$l" "$p"; done; }
PV="$(tables run25_27_28_baseline_lsgan_3seeds docs/results/cpu_real_v12/run25/eval_baseline.csv \
  docs/results/cpu_real_v13/run27/eval_baseline.csv docs/results/cpu_real_v13/run28/eval_baseline.csv)\
$(tables run29_30_39_dense_lsgan_3seeds docs/results/cpu_real_v13/run29/eval_dense.csv \
  docs/results/cpu_real_v13/run30/eval_dense.csv docs/results/cpu_real_v19/run39/eval_dense.csv)"
