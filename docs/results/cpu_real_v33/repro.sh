# session 41: profiles/real-cpu-v24-plus-cycle1.yaml (dense_plus's reference recipe, runs 51-54) at seed SEED
# (default 0) on this session's box; THREADS threads (default 1), into $ROOT/cycle1_seed<seed> (default ROOT /work/s41).
# Run 71 (seed 0) ran beside run 70 (the paper's dense at seed 2, ../cpu_real_v32/run.sh), one thread each.
bash "$(dirname "$0")/../train.sh" profiles/real-cpu-v24-plus-cycle1.yaml dense_plus ${ROOT:-/work/s41}/cycle1_seed${SEED:-0} "$@"
