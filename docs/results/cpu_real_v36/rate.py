"""What the v32 recipe costs at two threads on this box, for the plan's point 5: times epochs of dense_plus with the
recipe's settings on a run's own pack (a paired epoch of phase 1, an unpaired and a paired one of phase 2), at two
threads, then one, then two again (ratios in one run; nothing else may run), and adds them up over the recipe's 96
epochs (38 of phase 1 with the second start: all paired; phases 2 and 3 alternate, unpaired first).
PYTHONPATH=src python docs/results/cpu_real_v36/rate.py PACKED_DIR
"""
import sys
import time

import torch

from nircolor.augment import build_augmentation
from nircolor.config import load_config, load_profile
from nircolor.data.packed import load_packed
from nircolor.device import configure_runtime
from nircolor.training.batches import training_arrays
from nircolor.training.cyclegan import CycleGAN
from nircolor.training.epoch import train_epoch

cfg = load_config("params.yaml", load_profile("profiles/real-cpu-v32-plus-starts.yaml")).for_variant("dense_plus")
train, _, _ = load_packed(sys.argv[1])
data = training_arrays(train, cfg.model)
aug = build_augmentation(cfg.augment, cfg.model.image_size)
kinds = [("phase1", 0, "paired"), ("phase2", 0, "unpaired"), ("phase2", 1, "paired")]
seconds: dict[tuple[int, str], list[float]] = {}
for threads in (2, 1, 2):
    tcfg = cfg.model_copy(update={"train": cfg.train.model_copy(update={"num_threads": threads})})
    configure_runtime(tcfg.train, torch.device("cpu"))
    torch.manual_seed(0)
    net = CycleGAN.build("dense_plus", tcfg, torch.device("cpu"))
    for phase, index, mode in kinds:
        t0 = time.perf_counter()
        rec = train_epoch(net, data=data, cfg=tcfg, aug=aug, phase=phase, index=index,
                          n_epochs=cfg.schedule.count(phase), epoch=index + 1)  # fmt: skip
        assert rec["mode"] == mode
        seconds.setdefault((threads, mode), []).append(time.perf_counter() - t0)
        print(f"{threads} thread(s), {mode} epoch: {seconds[threads, mode][-1]:.1f} s", flush=True)
n_paired = 38 + 16 + 13  # phase 1 with the second start's 12, then half of phases 2 (32) and 3 (26)
n_unpaired = 16 + 13
for threads in (2, 1):
    p = min(seconds[threads, "paired"])
    u = min(seconds[threads, "unpaired"])
    print(f"{threads} thread(s): paired {p:.1f} s, unpaired {u:.1f} s (fastest of each); 96 epochs "
          f"{(n_paired * p + n_unpaired * u) / 60:.1f} min of training")
r = min(seconds[1, "paired"]) / min(seconds[2, "paired"])
print(f"paired epoch, one thread / two threads: {r:.2f}")
