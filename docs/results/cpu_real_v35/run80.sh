# session 43, run 80: the v31 recipe's baseline through `dvc exp run` on the real data, in a clone of main (commit 5063312)
# whose data/ is the challenge data (tracked there only; nothing of it is committed to main). Run 81 followed in the
# same clone (chain81.sh). The clone uses main's venv with its own code first on the path.
set -e; rm -rf /work/s43/clone; git clone -q /work/main /work/s43/clone; cd /work/s43/clone
cp -r /work/shared/data/vcip2020 data && dvc add -q data && git -c user.email=s@x -c user.name=s commit -qam "clone: real data"
source /work/main/.venv/bin/activate; export PYTHONPATH=/work/s43/clone/src:/work/s43/clone
date +%s > /work/s43/run80.start
python -m pipeline.profile profiles/real-cpu-v31-paper-calibrated.yaml --exec -n v31-baseline-s0 evaluate@baseline; echo EXIT $?
date +%s > /work/s43/run80.end
