"""DVC stage `augment`: the augmentation record (albumentations JSON) and a preview grid."""

from __future__ import annotations

from pathlib import Path

from pipeline.common import load_params, run_stage, write_json


def main() -> None:
    cfg = load_params()
    from flows.augment import augment_flow
    from flows.common import run_flow, run_tags

    art = Path(cfg.paths.artifacts)
    result = run_flow(
        augment_flow, run_tags("augment"),
        augment=cfg.augment, image_size=cfg.model.image_size, packed_dir=str(art / "packed"),
        out_json=str(art / "augment" / "augmentation.json"),
        preview_png=str(art / "augment" / "preview.png"), seed=cfg.train.seed,
    )  # fmt: skip
    write_json(art / "metrics" / "augment.json", result)


if __name__ == "__main__":
    run_stage(main)
