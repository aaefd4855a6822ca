"""The saturation scale (`model.chroma_scale`): the inference rule's last step, and its choice on held-out
training pairs (`nircolor.calibrate`, `nircolor calibrate`)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from pydantic import ValidationError

from nircolor.calibrate import (
    CHROMA_GRID,
    NoHeldOutPairs,
    choose_scale,
    finalize_checkpoint,
    fit_chroma_scale,
    fit_pairs,
    heldout_pairs,
    rule_outputs,
    training_draw,
)
from nircolor.cli import main
from nircolor.config import ModelConfig
from nircolor.data.layout import DatasetError
from nircolor.data.packed import PairArrays, _subset, load_heldout, load_packed, pack_dataset, split_pairs
from nircolor.data.validate import validate_dataset
from nircolor.inference import colorize, load_generator, scale_chroma
from nircolor.models import build_generator
from nircolor.training.checkpoint import load_checkpoint
from tests.recipes import TINY_PROFILE, train_tiny


class _Colours(torch.nn.Module):
    """NIR x in [-1, 1] → (x, −x, x/2): strong, known colours."""

    size_multiple = 1

    def forward(self, x):
        return torch.cat([x, -x, x / 2], 1)


def test_scale_chroma_by_hand():
    rgb = torch.tensor([0.2, 0.5, 0.8, 0.9, 0.3, 0.3]).reshape(2, 3, 1, 1)
    # pixel 1: grey 0.5 → 0.5 ± 0.5·0.3; pixel 2: grey 0.5 → 0.5 + 0.5·(0.4, −0.2, −0.2)
    want = torch.tensor([0.35, 0.5, 0.65, 0.7, 0.4, 0.4]).reshape(2, 3, 1, 1)
    assert torch.allclose(scale_chroma(rgb, 0.5), want, atol=1e-7)
    assert torch.allclose(scale_chroma(rgb, 0.0), rgb.mean(1, keepdim=True).expand_as(rgb))
    assert scale_chroma(rgb, 1.0) is rgb


def test_a_scale_of_one_leaves_the_rule_bit_for_bit_and_another_scales_its_output():
    g = build_generator("dense", 1, 3, ngf=4, image_size=32).eval()
    g.flip_average, g.phase_average = True, 2
    x = torch.rand(2, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    plain = colorize(g, x)
    g.chroma_scale = 1.0
    assert torch.equal(colorize(g, x), plain)
    g.chroma_scale = 0.6
    assert torch.allclose(colorize(g, x), scale_chroma(plain, 0.6), atol=1e-6)
    assert not torch.allclose(colorize(g, x), plain, atol=1e-4)


def test_the_fit_finds_a_planted_scale():
    g = _Colours()
    nir = np.random.default_rng(0).integers(0, 256, (5, 16, 16), dtype=np.uint8)
    blank = PairArrays(nir, np.zeros((5, 16, 16, 3), np.uint8), tuple("abcde"))
    target = (scale_chroma(rule_outputs(g, blank), 0.45) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    scale, table = fit_chroma_scale(g, PairArrays(nir, target, blank.stems))
    assert scale == pytest.approx(0.45)
    assert list(table["chroma_scale"]) == list(CHROMA_GRID) and len(table) == 15
    assert table["ae"].idxmin() == CHROMA_GRID.index(0.45)
    assert table["ae"].iloc[-1] > table["ae"].min() + 1.0  # s = 1 is degrees off
    assert getattr(g, "chroma_scale", 1.0) == 1.0  # the fit leaves the generator's own scale alone


def test_a_tie_keeps_the_larger_scale():
    table = pd.DataFrame({"chroma_scale": [0.5, 0.6, 0.7], "ae": [3.0, 2.0, 2.0]})
    assert choose_scale(table) == 0.7


def test_heldout_pairs_are_the_ones_the_pack_left_out(tiny_dataset):
    index = validate_dataset(tiny_dataset)
    stems = [p.stem for p in index.pairs]
    pairs = heldout_pairs(index, {"train_stems": stems[1:5]})
    assert pairs.stems == (stems[0], stems[5])
    assert pairs.nir.shape[0] == 2 and pairs.rgb.shape[-1] == 3
    with pytest.raises(NoHeldOutPairs, match="ingest.holdout_pairs"):
        heldout_pairs(index, {"train_stems": stems})


@pytest.mark.parametrize("bad", [0.0, -0.5, 1.5])
def test_a_scale_outside_0_to_1_is_refused(bad):
    with pytest.raises(ValidationError, match="chroma_scale"):
        ModelConfig(chroma_scale=bad)


@pytest.fixture(scope="module")
def held_out_run(tiny_dataset, tmp_path_factory):
    return train_tiny(tiny_dataset, tmp_path_factory.mktemp("heldout"), "ingest.limit_pairs=4")


def test_calibrate_writes_a_copy_that_every_path_reads(held_out_run, tmp_path, capsys):
    ckpt = held_out_run / "checkpoints" / "baseline" / "phase3.pt"
    before = ckpt.read_bytes()
    copy = tmp_path / "calibrated.pt"
    assert main(["calibrate", "--checkpoint", str(ckpt), "-o", str(copy)]) == 0
    printed = capsys.readouterr()
    assert "2 held-out training pairs" in printed.err
    chosen = float(printed.out.split("chroma_scale ")[-1].split()[0])
    assert chosen in CHROMA_GRID
    assert ckpt.read_bytes() == before  # the trained checkpoint is untouched
    state = load_checkpoint(copy)
    assert state["config"]["model"]["chroma_scale"] == chosen
    assert len(state["chroma_fit"]["heldout_stems"]) == 2
    g0, _ = load_generator(ckpt)
    g1, meta = load_generator(copy)
    assert meta["chroma_scale"] == chosen
    x = torch.rand(1, 1, 32, 32, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(colorize(g1, x), scale_chroma(colorize(g0, x), chosen), atol=1e-6)


def test_calibrate_refuses_to_overwrite_the_checkpoint_or_a_run_without_held_out_pairs(
    held_out_run, tiny_dataset, tmp_path, capsys
):
    ckpt = held_out_run / "checkpoints" / "baseline" / "phase3.pt"
    assert main(["calibrate", "--checkpoint", str(ckpt), "-o", str(ckpt)]) == 1
    assert "the checkpoint itself" in capsys.readouterr().err
    assert main(["calibrate", "--checkpoint", str(ckpt), "--packed", str(tmp_path)]) == 1
    assert "no pack manifest" in capsys.readouterr().err
    # the same run's pack, had it trained on all 6 pairs
    manifest = json.loads((held_out_run / "packed" / "manifest.json").read_text())
    manifest["train_stems"] = [p.stem for p in validate_dataset(tiny_dataset).pairs]
    full = tmp_path / "full"
    full.mkdir()
    (full / "manifest.json").write_text(json.dumps(manifest))
    assert main(["calibrate", "--checkpoint", str(ckpt), "--packed", str(full)]) == 1
    said = capsys.readouterr().err
    assert "every one of the 6 training pairs was trained on" in said and "--training-pairs 6" in said


# --- ingest.holdout_pairs: training pairs packed apart, and evaluate's fit on them -------------------------


def test_holding_k_out_trains_on_what_limit_n_minus_k_would():
    n, k = 372, 36
    trained, held = split_pairs(n, None, k, np.random.default_rng(0), 0)
    assert np.array_equal(trained, _subset(n, n - k, np.random.default_rng(0)))  # session 42's 336 (limit_pairs)
    assert np.array_equal(held, np.setdiff1d(np.arange(n), trained))  # and its 36 left out
    both, both_held = split_pairs(n, n - k, k, np.random.default_rng(0), 0)  # limit and holdout that add up to n
    assert np.array_equal(both, trained) and np.array_equal(both_held, held)


def test_a_holdout_next_to_a_smaller_limit_is_a_seeded_draw_of_the_rest():
    trained, held = split_pairs(40, 10, 5, np.random.default_rng(3), 3)
    assert len(trained) == 10 and len(held) == 5 and not set(trained) & set(held)
    assert list(held) == sorted(held)
    assert np.array_equal(trained, _subset(40, 10, np.random.default_rng(3)))  # the limit's draw is unchanged
    again = split_pairs(40, 10, 5, np.random.default_rng(3), 3)[1]
    assert np.array_equal(held, again)
    assert not np.array_equal(held, split_pairs(40, 10, 5, np.random.default_rng(3), 4)[1])  # ingest.seed draws it
    zero = split_pairs(40, 10, 0, np.random.default_rng(3), 3)
    assert np.array_equal(zero[0], trained) and len(zero[1]) == 0


@pytest.mark.parametrize("limit", [None, 3])
def test_a_holdout_of_every_pair_is_refused_by_name(tiny_dataset, tmp_path, limit):
    with pytest.raises(DatasetError, match="leaves none of the dataset's 6 training pairs"):
        pack_dataset(validate_dataset(tiny_dataset), tmp_path, limit_pairs=limit, holdout_pairs=6)
    assert not (tmp_path / "manifest.json").exists()


def test_the_limit_is_a_cap_on_what_the_holdout_leaves():
    capped, held = split_pairs(6, 5, 2, np.random.default_rng(0), 0)  # 5 + 2 > 6: trains on the 4 left
    assert len(capped) == 4 and len(held) == 2 and not set(capped) & set(held)
    assert np.array_equal(capped, split_pairs(6, None, 2, np.random.default_rng(0), 0)[0])


def test_the_pack_keeps_held_out_pairs_apart_at_native_size(tiny_dataset, tmp_path):
    index = validate_dataset(tiny_dataset)
    plain = pack_dataset(index, tmp_path / "plain", limit_online=2, limit_pairs=4)
    held = pack_dataset(index, tmp_path / "held", limit_online=2, holdout_pairs=2, image_size=16)
    assert len(held["train_stems"]) == 4 and len(held["heldout_stems"]) == 2
    assert not set(held["train_stems"]) & set(held["heldout_stems"])
    # the same pack as limit_pairs 4 (6 − 2) but for the held-out pairs: trained pairs and unpaired draw alike
    assert held["train_stems"] == plain["train_stems"] and held["online_files"] == plain["online_files"]
    assert set(held["heldout_stems"]) == {p.stem for p in index.pairs} - set(plain["train_stems"])
    assert plain["heldout_stems"] == [] and plain["counts"]["heldout_pairs"] == 0
    pairs = load_heldout(tmp_path / "held")
    assert pairs.stems == tuple(held["heldout_stems"]) and pairs.nir.shape == (2, 32, 32)  # native, not 16 px
    want = {p.stem: p for p in index.pairs}
    from nircolor.data.layout import load_pairs

    nir, rgb = load_pairs([want[s] for s in pairs.stems])
    assert np.array_equal(pairs.nir, nir) and np.array_equal(pairs.rgb, rgb)
    train, _, _ = load_packed(tmp_path / "held")
    assert train.paired.stems == tuple(held["train_stems"])
    assert len(load_heldout(tmp_path / "plain")) == 0
    pack_dataset(index, tmp_path / "held", limit_online=2)  # packed again into the folder, none held out
    assert len(load_heldout(tmp_path / "held")) == 0 and not list((tmp_path / "held").glob("heldout_*"))
    status = {r["stem"]: r["status"] for r in held["files"] if r["role"] == "train_nir"}
    assert all(status[s].startswith("held out") for s in pairs.stems)


def test_finalize_copies_the_checkpoint_without_held_out_pairs_and_fits_with_them(held_out_run, tmp_path):
    ckpt = held_out_run / "checkpoints" / "baseline" / "phase3.pt"
    copy = finalize_checkpoint(ckpt, load_heldout(held_out_run / "packed"), tmp_path / "copy.pt")
    assert copy == {"chroma_scale": 1.0, "chroma_fit_on": "none", "chroma_pairs": 0, "heldout_pairs": 0,
                    "grid": None}  # that pack held none out this way
    assert (tmp_path / "copy.pt").read_bytes() == ckpt.read_bytes()
    index = validate_dataset(json.loads((held_out_run / "packed" / "manifest.json").read_text())["root"])
    pairs = heldout_pairs(index, json.loads((held_out_run / "packed" / "manifest.json").read_text()))
    fit = finalize_checkpoint(ckpt, pairs, tmp_path / "fit.pt")
    assert fit["heldout_pairs"] == 2 and fit["chroma_scale"] == choose_scale(fit["grid"])
    g, meta = load_generator(tmp_path / "fit.pt")
    assert meta["chroma_scale"] == fit["chroma_scale"]
    assert load_checkpoint(tmp_path / "fit.pt")["chroma_fit"]["heldout_stems"] == list(pairs.stems)
    assert fit["chroma_fit_on"] == "heldout" and fit["chroma_pairs"] == 2


def test_train_with_holdout_pairs_fits_the_scale_and_scores_the_fitted_copy(tiny_dataset, tmp_path, capsys):
    args = ["train", "--data", str(tiny_dataset), "--out", str(tmp_path), "--quiet", "--profile", str(TINY_PROFILE),
            "--variant", "baseline", "--set", "ingest.holdout_pairs=2"]  # fmt: skip
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "2 held out (ingest.holdout_pairs)" in err and "held-out training pairs" in err
    final = load_checkpoint(tmp_path / "checkpoints" / "baseline" / "final.pt")
    scale = final["config"]["model"]["chroma_scale"]
    assert scale in CHROMA_GRID and len(final["chroma_fit"]["heldout_stems"]) == 2
    # Table I is the fitted copy's: the same numbers as evaluating final.pt
    from nircolor.inference import evaluate_generator

    g, _ = load_generator(tmp_path / "checkpoints" / "baseline" / "final.pt")
    table, _ = evaluate_generator(g, load_packed(tmp_path / "packed")[1])
    written = pd.read_csv(tmp_path / "eval" / "baseline" / "metrics.csv")
    assert np.allclose(written[["psnr", "ssim", "ae"]].to_numpy(), table[["psnr", "ssim", "ae"]].to_numpy())
    # colorize with phase 3's checkpoint says that final.pt is what Table I scored, where the two differ
    from nircolor.data.io import write_png

    write_png(tmp_path / "in" / "a_nir.png", np.full((32, 32), 128, np.uint8))
    capsys.readouterr()
    phase3 = tmp_path / "checkpoints" / "baseline" / "phase3.pt"
    assert main(["colorize", str(tmp_path / "in"), "-o", str(tmp_path / "o1"), "--checkpoint", str(phase3)]) == 0
    said = capsys.readouterr().err
    assert ("final.pt is what evaluate scored" in said) == (scale != 1.0)
    assert main(["colorize", str(tmp_path / "in"), "-o", str(tmp_path / "o2"), "--checkpoint",
                 str(tmp_path / "checkpoints" / "baseline" / "final.pt")]) == 0  # fmt: skip
    assert "evaluate scored" not in capsys.readouterr().err
    # `nircolor calibrate` reads the pack's own held-out pairs: no dataset needed
    assert main(["calibrate", "--checkpoint", str(tmp_path / "checkpoints" / "baseline" / "phase3.pt"),
                 "--data", str(tmp_path / "nowhere")]) == 0  # fmt: skip
    assert f"chroma_scale {scale:g}" in capsys.readouterr().out


def test_colorize_with_a_phase_checkpoint_names_the_scored_final_one(held_out_run, tmp_path):
    from nircolor.calibrate import write_calibrated
    from nircolor.commands.colorize import _scored_sibling_note

    run = tmp_path / "checkpoints" / "baseline"
    run.mkdir(parents=True)
    phase3 = run / "phase3.pt"
    phase3.write_bytes((held_out_run / "checkpoints" / "baseline" / "phase3.pt").read_bytes())
    assert _scored_sibling_note(phase3, 1.0) is None  # no final.pt beside it
    table = pd.DataFrame({"chroma_scale": [0.5], "psnr": [0.0], "ssim": [0.0], "ae": [0.0]})
    write_calibrated(load_checkpoint(phase3), run / "final.pt", 0.5, table, ("a",), phase3)
    note = _scored_sibling_note(phase3, 1.0)
    assert "chroma_scale 0.5" in note and f"--checkpoint {run / 'final.pt'}" in note
    assert _scored_sibling_note(run / "final.pt", 0.5) is None
    assert _scored_sibling_note(phase3, 0.5) is None  # the same colours: nothing to say


# --- evaluate.chroma_fit: train — the scale fit on a seeded draw of the pairs the run trained on ----------


def test_the_training_draw_is_seeded_native_and_the_packs_own_pairs(tiny_dataset, tmp_path):
    index = validate_dataset(tiny_dataset)
    pack_dataset(index, tmp_path / "p", limit_online=2, holdout_pairs=2)
    train, _, manifest = load_packed(tmp_path / "p")
    drawn = training_draw(tmp_path / "p", 3)
    want = np.sort(np.random.default_rng(0).choice(4, size=3, replace=False))  # session 45 plan C's rule
    assert drawn.stems == tuple(manifest["train_stems"][i] for i in want)
    assert not set(drawn.stems) & set(manifest["heldout_stems"]) and not set(drawn.stems) & set(manifest["val_stems"])
    assert np.array_equal(drawn.nir, train.paired.nir[want]) and np.array_equal(drawn.rgb, train.paired.rgb[want])
    assert drawn.nir.shape == (3, 32, 32) and drawn.rgb.shape == (3, 32, 32, 3)  # the data's own size
    assert training_draw(tmp_path / "p", 3).stems == drawn.stems  # the same draw every time
    assert len({training_draw(tmp_path / "p", 3, seed=s).stems for s in range(6)}) > 1  # the seed draws it
    assert training_draw(tmp_path / "p", 50).stems == tuple(manifest["train_stems"])  # fewer: all of them


def test_a_resized_pack_is_refused_for_the_training_draw(tiny_dataset, tmp_path):
    pack_dataset(validate_dataset(tiny_dataset), tmp_path / "p", limit_online=2, image_size=16)  # 32-px data
    with pytest.raises(ValueError, match="packed at 0.5 of the data's size"):
        training_draw(tmp_path / "p", 2)


def test_fit_pairs_follows_evaluate_chroma_fit(tiny_dataset, tmp_path):
    pack_dataset(validate_dataset(tiny_dataset), tmp_path / "p", limit_online=2, holdout_pairs=2)
    held, which = fit_pairs(tmp_path / "p", "heldout", 96)
    assert which == "heldout" and held.stems == load_heldout(tmp_path / "p").stems and len(held) == 2
    drawn, which = fit_pairs(tmp_path / "p", "train", 3)
    assert which == "train" and drawn.stems == training_draw(tmp_path / "p", 3).stems
    none, which = fit_pairs(tmp_path / "p", "off", 3)
    assert which == "off" and len(none) == 0
    with pytest.raises(ValueError, match="expected heldout, train or off"):
        fit_pairs(tmp_path / "p", "validation", 3)


def test_train_fits_the_scale_on_pairs_it_trained_on_where_told(tiny_dataset, tmp_path, capsys):
    train_tiny(tiny_dataset, tmp_path, "evaluate.chroma_fit=train", "evaluate.chroma_fit_pairs=3")
    said = capsys.readouterr().err
    assert "fitting the saturation scale on 3 of the pairs it trained on (evaluate.chroma_fit train)" in said
    assert "the lowest mean AE on 3 of the pairs it trained on" in said
    final = load_checkpoint(tmp_path / "checkpoints" / "baseline" / "final.pt")
    manifest = json.loads((tmp_path / "packed" / "manifest.json").read_text())
    fit = final["chroma_fit"]
    assert fit["fit_on"] == "train" and fit["train_stems"] == list(training_draw(tmp_path / "packed", 3).stems)
    assert set(fit["train_stems"]) <= set(manifest["train_stems"]) and "heldout_stems" not in fit
    assert final["config"]["model"]["chroma_scale"] == fit["chosen"] == choose_scale(pd.DataFrame(fit["grid"]))
    # the same choice by hand: the phase-3 generator's grid on those pairs
    g, _ = load_generator(tmp_path / "checkpoints" / "baseline" / "phase3.pt")
    assert fit_chroma_scale(g, training_draw(tmp_path / "packed", 3))[0] == fit["chosen"]
    # nircolor calibrate --training-pairs makes the same fit from the run's pack
    capsys.readouterr()
    assert main(["calibrate", "--checkpoint", str(tmp_path / "checkpoints" / "baseline" / "phase3.pt"),
                 "--training-pairs", "3", "-o", str(tmp_path / "again.pt")]) == 0  # fmt: skip
    printed = capsys.readouterr()
    assert "3 of the pairs it trained on" in printed.err and f"chroma_scale {fit['chosen']:g} " in printed.out
    again = load_checkpoint(tmp_path / "again.pt")["chroma_fit"]
    assert again["train_stems"] == fit["train_stems"] and again["fit_on"] == "train"
    assert main(["calibrate", "--checkpoint", str(tmp_path / "checkpoints" / "baseline" / "phase3.pt"),
                 "--training-pairs", "0"]) == 1  # fmt: skip
    assert "give 1 or more" in capsys.readouterr().err


def test_the_evaluate_section_refuses_an_unknown_fit():
    from nircolor.config import EvaluateConfig

    assert EvaluateConfig().chroma_fit == "heldout" and EvaluateConfig().chroma_fit_pairs == 96  # the default: unchanged
    with pytest.raises(ValidationError):
        EvaluateConfig(chroma_fit="validation")
    with pytest.raises(ValidationError):
        EvaluateConfig(chroma_fit_pairs=0)
