"""The EMA generator (`train.ema_decay`) and the mirrored-pass average (`model.flip_average`).

Both are off in the paper's recipe: nothing of the EMA exists then, and inference is one pass.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nircolor.config import load_config
from nircolor.inference import (
    colorize,
    evaluate_generator,
    load_generator,
    phase_average,
    shift_average,
    shift_offsets,
    translate,
)
from nircolor.models import build_generator
from nircolor.training.checkpoint import load_checkpoint
from nircolor.training.cyclegan import CycleGAN
from nircolor.training.phase import run_phase
from tests.phase_runs import full_and_resumed


def _batch(seed: int = 0, n: int = 2, size: int = 32):
    g = torch.Generator().manual_seed(seed)
    nir = torch.rand(n, 1, size, size, generator=g) * 2 - 1
    rgb = torch.rand(n, 3, size, size, generator=g) * 2 - 1
    return nir, rgb


def _net(tiny_overrides, **extra) -> CycleGAN:
    cfg = load_config(None, {**tiny_overrides, **extra})
    torch.manual_seed(0)
    return CycleGAN.build("baseline", cfg, torch.device("cpu"))


def test_off_by_default_and_nothing_of_it_exists(tiny_overrides):
    net = _net(tiny_overrides)
    assert net.ema_nir2rgb is None and net.inference_generator() is net.g_nir2rgb
    nir, rgb = _batch()
    net.train_step(nir, rgb, rgb, "paired", torch.Generator().manual_seed(0))
    assert "ema" not in net.state_dict()


def test_ema_update_matches_the_hand_computed_average(tiny_overrides):
    net = _net(tiny_overrides, **{"train.ema_decay": 0.999})
    before = {k: v.clone() for k, v in net.g_nir2rgb.state_dict().items()}
    assert all(torch.equal(v, net.ema_nir2rgb.state_dict()[k]) for k, v in before.items())
    nir, rgb = _batch()
    gen = torch.Generator().manual_seed(0)
    net.train_step(nir, rgb, rgb, "paired", gen)
    after1 = {k: v.clone() for k, v in net.g_nir2rgb.state_dict().items()}
    # update 0 is warmed up: decay min(0.999, 1/10) = 0.1
    for k, v in net.ema_nir2rgb.state_dict().items():
        torch.testing.assert_close(v, 0.1 * before[k] + 0.9 * after1[k])
    ema1 = {k: v.clone() for k, v in net.ema_nir2rgb.state_dict().items()}
    net.train_step(nir, rgb, rgb, "paired", gen)
    after2 = net.g_nir2rgb.state_dict()
    # update 1: decay min(0.999, 2/11)
    d = 2 / 11
    for k, v in net.ema_nir2rgb.state_dict().items():
        torch.testing.assert_close(v, d * ema1[k] + (1 - d) * after2[k])
    assert net.ema_updates == 2
    # the EMA generator takes no gradients and is not among the optimizer's parameters
    assert not any(p.requires_grad for p in net.ema_nir2rgb.parameters())
    optimized = {id(p) for group in net.opt_g.param_groups for p in group["params"]}
    assert not optimized & {id(p) for p in net.ema_nir2rgb.parameters()}


def test_ema_does_not_change_the_training_step(tiny_overrides):
    plain, kept = _net(tiny_overrides), _net(tiny_overrides, **{"train.ema_decay": 0.9})
    for net in (plain, kept):
        gen = torch.Generator().manual_seed(0)
        for seed in range(2):
            nir, rgb = _batch(seed)
            net.train_step(nir, rgb, rgb, "paired", gen)
    for name in ("g_nir2rgb", "g_rgb2nir", "d_rgb", "d_nir"):
        for k, v in getattr(plain, name).state_dict().items():
            assert torch.equal(v, getattr(kept, name).state_dict()[k]), f"{name}.{k}"


def test_phase_checkpoints_carry_the_ema_and_inference_loads_it(tiny_pack, tmp_path, tiny_overrides):
    train, val = tiny_pack
    cfg = load_config(None, {**tiny_overrides, "train.ema_decay": 0.9, "schedule.phase1": 2})
    res = run_phase("phase1", variant="baseline", cfg=cfg, data=train, out=tmp_path / "p1.pt", progress=False)
    state = load_checkpoint(res.checkpoint)
    steps = sum(r["steps"] for r in res.history)
    assert state["ema"]["updates"] == steps > 0
    g, meta = load_generator(res.checkpoint)
    assert meta["ema"] is True
    for k, v in g.state_dict().items():
        assert torch.equal(v, state["ema"]["g_nir2rgb"][k])
    raw, meta_raw = load_generator(res.checkpoint, ema=False)
    assert meta_raw["ema"] is False
    assert any(not torch.equal(v, state["ema"]["g_nir2rgb"][k]) for k, v in raw.state_dict().items())
    # the next phase continues the same average
    nxt = run_phase("phase2", variant="baseline", cfg=cfg, data=train, out=tmp_path / "p2.pt",
                    init=res.checkpoint, progress=False)  # fmt: skip
    assert load_checkpoint(nxt.checkpoint)["ema"]["updates"] == steps + sum(r["steps"] for r in nxt.history)


def test_killed_phase_resumes_to_the_same_ema(tiny_pack, tmp_path, tiny_overrides):
    train, _ = tiny_pack
    cfg = load_config(None, {**tiny_overrides, "train.ema_decay": 0.9, "schedule.phase1": 3})
    full, resumed, saved, seen = full_and_resumed(tmp_path, 2, variant="baseline", cfg=cfg, data=train, progress=False)
    assert saved == 2 and seen == [3]
    a, b = load_checkpoint(full.checkpoint)["ema"], load_checkpoint(resumed.checkpoint)["ema"]
    assert a["updates"] == b["updates"]
    for k, v in a["g_nir2rgb"].items():
        assert torch.equal(v, b["g_nir2rgb"][k]), k


def test_flip_average_is_the_mean_of_the_two_passes():
    torch.manual_seed(0)
    g = build_generator("baseline", 1, 3, ngf=4, image_size=32).eval()
    x = torch.rand(2, 1, 32, 64)
    single = colorize(g, x)
    torch.testing.assert_close(single, translate(g, x, g.size_multiple))
    g.flip_average = True
    both = colorize(g, x)
    mirrored = translate(g, x.flip(-1), g.size_multiple).flip(-1)
    torch.testing.assert_close(both, (single + mirrored) / 2)
    assert not torch.allclose(both, single)  # the generator is not mirror-symmetric


def test_flip_average_travels_in_the_checkpoint(tiny_pack, tmp_path, tiny_overrides):
    train, _ = tiny_pack
    cfg = load_config(None, {**tiny_overrides, "model.flip_average": True, "schedule.phase1": 1})
    res = run_phase("phase1", variant="dense", cfg=cfg, data=train, out=tmp_path / "p1.pt", progress=False)
    g, meta = load_generator(res.checkpoint)
    assert meta["flip_average"] is True and g.flip_average is True and meta["ema"] is False


def test_shift_average_is_the_mean_over_the_translated_passes():
    torch.manual_seed(0)
    g = build_generator("baseline", 1, 3, ngf=4, image_size=32).eval()
    x = torch.rand(2, 1, 32, 48)
    assert shift_offsets(2, 3) == [(0, 0), (0, 3), (3, 0), (3, 3)]
    torch.testing.assert_close(shift_average(g, x, [(0, 0)]), colorize(g, x))
    by_hand = [colorize(g, torch.nn.functional.pad(x, (dx, 0, dy, 0), mode="reflect"))[..., dy:dy + 32, dx:dx + 48]
               for dy, dx in shift_offsets(2, 3)]
    averaged = shift_average(g, x, shift_offsets(2, 3))
    torch.testing.assert_close(averaged, sum(by_hand) / 4)
    assert not torch.allclose(averaged, colorize(g, x))  # the strided generator is not shift-equivariant


def test_shift_average_of_an_equivariant_map_is_the_map_itself():
    conv = torch.nn.Conv2d(1, 3, 1)  # 1×1: translation-equivariant, no stride grid
    conv.size_multiple = 1
    x = torch.rand(1, 1, 16, 16)
    torch.testing.assert_close(shift_average(conv, x, shift_offsets(3, 2)), colorize(conv, x))


@pytest.mark.parametrize("average", [shift_average, phase_average])
def test_averages_refuse_offsets_they_cannot_apply(average):
    g = torch.nn.Conv2d(1, 3, 1)
    g.size_multiple = 1
    x = torch.rand(1, 1, 8, 8)
    for bad in ([], [(8, 0)], [(0, -1)]):
        with pytest.raises(ValueError):
            average(g, x, bad)


def test_phase_average_keeps_the_canvas_and_counts_each_pixels_passes():
    torch.manual_seed(0)
    g = build_generator("baseline", 1, 3, ngf=4, image_size=32).eval()
    x = torch.rand(2, 1, 32, 32)
    torch.testing.assert_close(phase_average(g, x, [(0, 0)]), colorize(g, x))
    # by hand for offsets (0, 0) and (1, 2): the moved image stays 32×32 (never padded to 64)
    moved = torch.nn.functional.pad(x, (2, 0, 1, 0), mode="reflect")[..., :32, :32]
    y0, y1 = colorize(g, x), colorize(g, moved)
    expected = y0.clone()
    expected[..., :31, :30] = (y0[..., :31, :30] + y1[..., 1:, 2:]) / 2  # pixels both passes saw
    averaged = phase_average(g, x, [(0, 0), (1, 2)])
    torch.testing.assert_close(averaged, expected)
    assert not torch.allclose(averaged, y0)  # the strided generator is not shift-equivariant
    assert not torch.allclose(averaged, shift_average(g, x, [(0, 0), (1, 2)]))  # shift_average pads to 64


def test_phase_average_of_an_equivariant_map_is_the_map_itself():
    conv = torch.nn.Conv2d(1, 3, 1)
    conv.size_multiple = 1
    torch.testing.assert_close(phase_average(conv, (x := torch.rand(1, 1, 16, 16)), shift_offsets(3, 1)),
                               colorize(conv, x))


def test_colorize_applies_the_phase_average_over_the_mirrored_rule():
    torch.manual_seed(0)
    g = build_generator("baseline", 1, 3, ngf=4, image_size=32).eval()
    x = torch.rand(2, 1, 32, 32)
    g.flip_average = True
    mirrored = colorize(g, x)
    g.phase_average = 2
    ruled = colorize(g, x)
    torch.testing.assert_close(ruled, phase_average(g, x, [(0, 0), (0, 1), (1, 0), (1, 1)]))
    # by hand at an inside pixel, which all four passes see: mean of the mirrored rule moved back
    g.phase_average = 1
    passes = [colorize(g, torch.nn.functional.pad(x, (dx, 0, dy, 0), mode="reflect")[..., :32, :32])
              [..., 10 + dy, 20 + dx] for dy, dx in shift_offsets(2, 1)]
    torch.testing.assert_close(ruled[..., 10, 20], sum(passes) / 4)
    assert not torch.allclose(ruled, mirrored)


def test_phase_average_travels_in_the_checkpoint_and_is_bounded(tiny_pack, tmp_path, tiny_overrides):
    train, _ = tiny_pack
    cfg = load_config(None, {**tiny_overrides, "model.phase_average": 2, "schedule.phase1": 1})
    res = run_phase("phase1", variant="baseline", cfg=cfg, data=train, out=tmp_path / "p1.pt", progress=False)
    g, meta = load_generator(res.checkpoint)
    assert meta["phase_average"] == 2 and g.phase_average == 2
    assert load_config(None, tiny_overrides).model.phase_average == 1  # off unless asked for
    for bad in (0, 5):
        with pytest.raises(ValueError):
            load_config(None, {**tiny_overrides, "model.phase_average": bad})


def test_evaluate_generator_scores_a_replacement_rule(tiny_pack):
    _, val = tiny_pack
    torch.manual_seed(0)
    g = build_generator("baseline", 1, 3, ngf=4, image_size=32).eval()
    offsets = shift_offsets(2, 2)
    _, plain = evaluate_generator(g, val)
    _, shifted = evaluate_generator(g, val, rule=lambda g, x: shift_average(g, x, offsets))
    nir = torch.from_numpy(np.array(val.nir)).float().div(255.0).unsqueeze(1)
    by_hand = (shift_average(g, nir, offsets) * 255.0).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    np.testing.assert_array_equal(shifted, by_hand)
    assert not np.array_equal(shifted, plain)


def test_global_colour_travels_with_the_checkpoint(tiny_pack, tmp_path, tiny_overrides):
    """A generator trained with model.global_colour is rebuilt with its offset conv by inference."""
    train, _ = tiny_pack
    cfg = load_config(None, {**tiny_overrides, "model.global_colour": True, "schedule.phase1": 1})
    res = run_phase("phase1", variant="dense", cfg=cfg, data=train, out=tmp_path / "p1.pt", progress=False)
    state = load_checkpoint(res.checkpoint)
    g, meta = load_generator(res.checkpoint, ema=False)
    assert meta["model"].global_colour is True and g.global_colour is not None
    trained = state["models"]["g_nir2rgb"]["global_colour.bias"]
    assert trained.abs().max() > 0  # it moved from its zero start
    assert torch.equal(g.global_colour.bias, trained)
