# Sourced by the results folders' scripts (cpu_real_v27 on): `tables LABEL CSV...` prints one `--table LABEL=CSV`
# per table, the arguments `nircolor compare` pools under one label; PV holds the least-squares paper variants,
# three seeds each (baseline runs 25, 27, 28; dense runs 29, 30, 39), the comparison every dense_plus recipe faces.
# Paths are from the project root.
tables() { local l=$1; shift; for p in "$@"; do printf -- '--table %s=%s ' "$l" "$p"; done; }
PV="$(tables run25_27_28_baseline_lsgan_3seeds docs/results/cpu_real_v12/run25/eval_baseline.csv \
  docs/results/cpu_real_v13/run27/eval_baseline.csv docs/results/cpu_real_v13/run28/eval_baseline.csv)\
$(tables run29_30_39_dense_lsgan_3seeds docs/results/cpu_real_v13/run29/eval_dense.csv \
  docs/results/cpu_real_v13/run30/eval_dense.csv docs/results/cpu_real_v19/run39/eval_dense.csv)"
# `each_seed NEW REF NEW_RUN:REF_RUN:SEED ...` prints, per seed, the two `--table` arguments of a run of a new recipe
# and of the reference run at the same seed (each run folder holding eval_dense_plus.csv), labelled
# <run>_<NEW>_seed<SEED> and <run>_<REF>_seed<SEED>: the per-seed comparison of each session's new arm (session 39 on).
each_seed() { local new=$1 ref=$2; shift 2; local a b s
  for p in "$@"; do IFS=: read -r a b s <<< "$p"
    printf -- '--table %s_%s_seed%s=%s/eval_dense_plus.csv ' "$(basename "$a")" "$new" "$s" "$a"
    printf -- '--table %s_%s_seed%s=%s/eval_dense_plus.csv ' "$(basename "$b")" "$ref" "$s" "$b"; done; }
