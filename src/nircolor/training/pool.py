"""History of generated images shown to a discriminator (Shrivastava et al. 2017; CycleGAN's pool of 50)."""

from __future__ import annotations

import torch
from torch import Tensor


class ImagePool:
    """Returns, per image, either the new fake or (p = 0.5, once full) a stored older one.

    Draws come from an explicit generator so a resumed run repeats them exactly; the stored
    images travel in checkpoints through `state_dict`.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.images: list[Tensor] = []

    def query(self, fakes: Tensor, generator: torch.Generator) -> Tensor:  # (B, C, H, W)
        if self.size == 0:
            return fakes
        out = []
        for img in fakes.detach():
            img = img.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(img.clone())
                out.append(img)
            elif torch.rand((), generator=generator).item() < 0.5:
                idx = int(torch.randint(self.size, (), generator=generator))
                out.append(self.images[idx].clone())
                self.images[idx] = img.clone()
            else:
                out.append(img)
        return torch.cat(out, dim=0)

    def state_dict(self) -> dict[str, Tensor | int]:
        stacked = torch.cat(self.images).cpu() if self.images else torch.empty(0)
        return {"size": self.size, "images": stacked}

    def load_state_dict(self, state: dict, device: torch.device) -> None:
        self.size = int(state["size"])
        images = state["images"]
        self.images = [im.unsqueeze(0).to(device) for im in images] if images.numel() else []
