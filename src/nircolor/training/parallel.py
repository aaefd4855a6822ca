"""Data parallelism across torch.distributed ranks: each rank's slice of a batch and gradient averaging."""

from __future__ import annotations

import torch
from torch import Tensor


class DataParallel:
    """Gradient averaging across torch.distributed ranks (gloo on CPU, NCCL on GPU).

    Not the `DistributedDataParallel` wrapper: a CycleGAN step runs each generator twice and the
    discriminators frozen inside the generator's backward, which DDP's reducer does not expect.
    Each rank trains on its slice of the global batch; before each optimizer step the gradients
    are summed with weights (slice size / global batch), so the update equals the single-process
    one on the whole batch up to float summation order. Image pools stay per rank.
    """

    def __init__(self) -> None:
        import torch.distributed as dist

        self.dist = dist
        self.world = dist.get_world_size()
        self.rank = dist.get_rank()

    def chunk(self, n: int) -> slice:
        """This rank's part of a global batch of n samples (the first n % world ranks get one more)."""
        base, extra = divmod(n, self.world)
        start = self.rank * base + min(self.rank, extra)
        return slice(start, start + base + (self.rank < extra))

    def average_grads(self, params: list[torch.nn.Parameter], weight: float) -> None:
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
        flat = torch.cat([g.reshape(-1) for g in grads]).mul_(weight)
        self.dist.all_reduce(flat)
        offset = 0
        for p in params:
            n = p.numel()
            p.grad = flat[offset : offset + n].view_as(p).clone()
            offset += n

    def sum_(self, t: Tensor) -> Tensor:
        self.dist.all_reduce(t)
        return t

    def barrier(self) -> None:
        self.dist.barrier()

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def data_parallel() -> DataParallel | None:
    """The DataParallel of this process when it runs under an initialized process group."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        return DataParallel()
    return None
