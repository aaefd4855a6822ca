# session 42: profiles/real-cpu-v30-paper-holdout.yaml for one paper variant (baseline | dense) at seed SEED (default 0),
# one thread (THREADS), into $ROOT/<variant>_seed<seed> (default ROOT /work/s42). Usage: SEED=<s> bash run.sh VARIANT
v=$1; shift; exec bash /work/main/docs/results/train.sh profiles/real-cpu-v30-paper-holdout.yaml $v ${ROOT:-/work/s42}/${v}_seed${SEED:-0} "$@"
