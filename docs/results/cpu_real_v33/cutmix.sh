# session 41: profiles/real-cpu-v29-paper-cutmix.yaml (the v28 paper-variant recipe with CutMix) for the baseline at
# seed SEED (default 0); THREADS threads (default 1), into $ROOT/cutmix_seed<seed> (default ROOT /work/s41).
bash "$(dirname "$0")/../train.sh" profiles/real-cpu-v29-paper-cutmix.yaml baseline ${ROOT:-/work/s41}/cutmix_seed${SEED:-0} "$@"
