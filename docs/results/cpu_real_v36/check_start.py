import tempfile, torch
from pathlib import Path
from nircolor.config import load_config, load_profile
from nircolor.data.packed import load_heldout, load_packed, pack_dataset
from nircolor.data.validate import validate_dataset
from nircolor.training import phase as pm
from nircolor.training.checkpoint import load_checkpoint
# the kept start against the plain run at its seed, with the v32 settings (bf16 auto, EMA, native crops, least squares,
# dense_plus's terms) on a tiny synthetic set (write_synthetic to /tmp/tinyd: 8 pairs, 32 px): start 1 forced to win.
# PYTHONPATH=src python docs/results/cpu_real_v36/check_start.py
d = Path(tempfile.mkdtemp())
pack_dataset(validate_dataset(Path("/tmp/tinyd")), d / "p", holdout_pairs=2)
train, val, _ = load_packed(d / "p"); held = load_heldout(d / "p")
ov = {**load_profile("profiles/real-cpu-v32-plus-starts.yaml"), "model.image_size": 32, "train.num_threads": 2,
      "schedule.phase1": 3, "train.start_epochs": 2, "ingest.holdout_pairs": 2, "train.seed": 2}
cfg = load_config("params.yaml", ov).for_variant("dense_plus")
print(cfg.train.precision, cfg.train.ema_decay, cfg.model.native_crops)
real = pm._validate; it = iter([1.0, 2.0])
pm._validate = lambda g, pairs, *a: ({**real(g, pairs, *a), "val_psnr": next(it)} if pairs is held else real(g, pairs, *a))
r = pm.run_phase("phase1", variant="dense_plus", cfg=cfg, data=train, out=d / "s.pt", progress=False, val=val, heldout=held)
pm._validate = real
print(r.start["seeds"], r.start["chosen"])
plain = pm.run_phase("phase1", variant="dense_plus", cfg=cfg.model_copy(update={"train": cfg.train.model_copy(update={"seed": 3, "starts": 1})}),
                     data=train, out=d / "p.pt", progress=False, val=val)
a, b = load_checkpoint(r.checkpoint), load_checkpoint(plain.checkpoint)
print("same:", all(torch.equal(a["models"][n][k], b["models"][n][k]) for n in a["models"] for k in a["models"][n]))
print([ (h["epoch"], round(h["loss_pair_rgb"], 6)) for h in r.history], [(h["epoch"], round(h["loss_pair_rgb"], 6)) for h in plain.history])
