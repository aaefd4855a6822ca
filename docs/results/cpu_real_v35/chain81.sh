# session 43: after run 80 (v31 baseline via dvc exp run in the clone) ends, run 81: v31 dense seed 0 the same way,
# then the registry comparison of the two registered, calibrated generators.
while [ ! -f /work/s43/run80.end ]; do sleep 20; done
cd /work/s43/clone && source /work/main/.venv/bin/activate && export PYTHONPATH=/work/s43/clone/src:/work/s43/clone
date +%s > /work/s43/run81.start
python -m pipeline.profile profiles/real-cpu-v31-paper-calibrated.yaml --exec -n v31-dense-s0 evaluate@dense; echo EXIT $?
date +%s > /work/s43/run81.end
python -m flows.ops.compare_registered --a baseline --b dense --packed artifacts/packed --device cpu > /work/s43/registry_compare.md; echo EXIT $?
