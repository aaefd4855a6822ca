# is a bf16 training step on this box the same at 1 and 2 threads? a tiny run of the ablation's recipe
# (8 pairs, 1 + 2 + 1 epochs) at each thread count, then the checkpoints compared tensor by tensor
source /work/main/.venv/bin/activate
export PYTHONPATH=/work/main/src:/work/main NO_ALBUMENTATIONS_UPDATE=1
for T in 1 2; do
  OMP_NUM_THREADS=$T python -m nircolor.cli train --data /work/shared/data/vcip2020 --out /work/abl32/thr$T \
    --params /work/main/params.yaml --profile /work/main/profiles/real-cpu-v14-plus-lsgan.yaml --variant dense_plus \
    --set train.num_threads=$T --set ingest.limit_pairs=8 --set schedule.phase1=1 --set schedule.phase2=2 \
    --set schedule.phase3=1 --set train.val_every=0 --quiet | tail -n 3
done
python - <<'PY'
import torch
a = torch.load("/work/abl32/thr1/checkpoints/dense_plus/phase3.pt", map_location="cpu", weights_only=False)
b = torch.load("/work/abl32/thr2/checkpoints/dense_plus/phase3.pt", map_location="cpu", weights_only=False)
def tensors(d, p=""):
    if isinstance(d, dict):
        for k, v in d.items():
            yield from tensors(v, f"{p}.{k}")
    elif torch.is_tensor(d) and d.is_floating_point():
        yield p, d
ta, tb = dict(tensors(a)), dict(tensors(b))
same = sum(torch.equal(ta[k], tb[k]) for k in ta)
diff = max((ta[k] - tb[k]).abs().max().item() for k in ta)
print(f"{len(ta)} float tensors, {same} bit-identical at 1 and 2 threads, largest difference {diff:.3g}")
PY
