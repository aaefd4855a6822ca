#!/usr/bin/env bash
# The main job on the embedded default data: generate a SYNTHETIC dataset, train both variants
# (baseline and dense) through the three phases at a CPU-sized scale, evaluate, print Table I.
# Finishes in a few minutes on 2 cores. Extra arguments go to `nircolor train` (e.g. --set ...).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
DATA=demo/data
if [ ! -f "$DATA/SYNTHETIC.md" ]; then
  nircolor synth "$DATA" --pairs 64 --unpaired 64 --val 18 --size 64
fi
# CPU-sized recipe: 64×64 images, ngf = ndf = 16, 10 + 10 + 10 epochs, batch 4; λ1 = 100 and
# λ2 = 60 and the three-phase schedule stay the paper's.
exec nircolor train --data "$DATA" --out demo/run \
  --set model.image_size=64 --set model.ngf=16 --set model.ndf=16 \
  --set schedule.phase1=10 --set schedule.phase2=10 --set schedule.phase3=10 \
  --set train.batch_size=4 "$@"
