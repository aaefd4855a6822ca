"""The `nircolor` command line end to end on tiny synthetic data: synth, validate, train, colorize, kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from nircolor.cli import main
from nircolor.training.checkpoint import load_checkpoint
from tests.recipes import TINY_PROFILE

TINY_ARGS = ["--profile", str(TINY_PROFILE)]  # profiles/tiny.yaml, as CI's dvc repro uses


@pytest.fixture(scope="module")
def trained(tiny_dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert main(["train", "--data", str(tiny_dataset), "--out", str(out), "--quiet", *TINY_ARGS]) == 0
    return out


def test_synth_then_validate(tmp_path, capsys):
    root = tmp_path / "d"
    assert main(["synth", str(root), "--pairs", "4", "--unpaired", "2", "--val", "2",
                 "--size", "32", "--quiet"]) == 0  # fmt: skip
    assert "SYNTHETIC" in capsys.readouterr().out
    assert main(["validate", str(root)]) == 0
    assert "training pairs:    4" in capsys.readouterr().out


def test_validate_reports_every_problem_and_fails(tmp_path, capsys):
    root = tmp_path / "d"
    main(["synth", str(root), "--pairs", "3", "--unpaired", "0", "--val", "1", "--size", "32", "--quiet"])
    capsys.readouterr()
    nir = sorted((root / "NIR").iterdir())
    nir[0].write_bytes(b"")  # zero-byte
    (root / "RGB-Registered" / nir[1].name.replace("_nir", "_rgb_reg")).unlink()  # orphan NIR
    assert main(["validate", str(root)]) == 1
    err = capsys.readouterr().err
    assert nir[0].name in err and nir[1].name in err


def test_train_writes_table_and_checkpoints_then_skips_finished_phases(trained, tiny_dataset, capsys):
    for variant in ("baseline", "dense"):
        for phase in ("phase1", "phase2", "phase3"):
            state = load_checkpoint(trained / "checkpoints" / variant / f"{phase}.pt")
            assert state["complete"] and state["variant"] == variant
            assert state["provenance"]["unpaired_source"] == "RGB-Online+RGB-Registered"
        assert (trained / "eval" / variant / "metrics.csv").exists()
    table = (trained / "table1.md").read_text()
    assert "SYNTHETIC" in table and "| average |" in table and "baseline/psnr" in table
    assert "17.14" in table  # the paper's dense PSNR as the reference row
    before = (trained / "checkpoints" / "dense" / "phase1.pt").stat().st_mtime_ns
    assert main(["train", "--data", str(tiny_dataset), "--out", str(trained), "--quiet",
                 "--variant", "dense", *TINY_ARGS]) == 0  # fmt: skip
    assert "complete for these params and data: kept" in capsys.readouterr().err
    assert (trained / "checkpoints" / "dense" / "phase1.pt").stat().st_mtime_ns == before


def test_bad_parameter_is_named_before_any_work(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "--data", str(tiny_dataset), "--out", str(out),
                 "--set", "loss.lambda_pari=60"])  # fmt: skip
    assert code == 2
    assert "loss.lambda_pari" in capsys.readouterr().err
    assert not out.exists()


def test_a_variant_the_params_do_not_list_is_named_before_any_work(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "--data", str(tiny_dataset), "--out", str(out), "--variant", "dense", "dense_plus"])
    assert code == 2
    err = capsys.readouterr().err
    assert "variant 'dense_plus' is not in the params' `variants` (baseline, dense)" in err and "--params" in err
    assert not out.exists()


def test_a_setting_a_variant_overrides_is_warned_about(tmp_path, capsys):
    params = Path(__file__).resolve().parents[2] / "params.yaml"
    code = main(["train", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "run"),
                 "--params", str(params), "--variant", "dense_plus", "baseline",
                 "--set", "loss.lambda_edge=0"])  # fmt: skip
    assert code == 1  # the missing dataset, after the warning
    err = capsys.readouterr().err
    assert "warning: loss.lambda_edge=0 does not reach variant 'dense_plus'" in err
    assert "'baseline'" not in err


def test_colorize_any_size_and_bit_depth(trained, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (50, 70), dtype=np.uint8)).save(inputs / "odd_nir.png")
    Image.fromarray(rng.integers(0, 65535, (32, 32), dtype=np.uint16)).save(inputs / "deep.png")
    single = tmp_path / "single.png"
    Image.fromarray(rng.integers(0, 255, (7, 300), dtype=np.uint8)).save(single)
    out = tmp_path / "out"
    ckpt = trained / "checkpoints" / "dense" / "phase3.pt"
    assert main(["colorize", str(inputs), str(single), "-o", str(out), "--checkpoint", str(ckpt),
                 "--device", "cpu"]) == 0  # fmt: skip
    sizes = {p.name: Image.open(p).size for p in out.iterdir()}
    assert sizes == {"odd_rgb.png": (70, 50), "deep_rgb.png": (32, 32), "single_rgb.png": (300, 7)}
    assert all(Image.open(p).mode == "RGB" for p in out.iterdir())


def test_colorize_refuses_bad_input_and_writes_nothing(trained, tmp_path, capsys):
    good = tmp_path / "good_nir.png"
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(good)
    fake = tmp_path / "fake.png"
    fake.write_text("not an image")
    out = tmp_path / "out"
    ckpt = trained / "checkpoints" / "dense" / "phase3.pt"
    code = main(["colorize", str(good), str(fake), str(tmp_path / "nope.png"), "-o", str(out),
                 "--checkpoint", str(ckpt)])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "fake.png" in err and "nope.png" in err
    assert [p.name for p in out.iterdir()] == ["good_rgb.png"]  # good inputs are still colorized
    bad_ckpt = tmp_path / "x.pt"
    bad_ckpt.write_bytes(b"junk")
    assert main(["colorize", str(good), "-o", str(out), "--checkpoint", str(bad_ckpt)]) == 1
    assert "x.pt" in capsys.readouterr().err


def _train_cmd(data: Path, out: Path, phase1_epochs: int) -> list[str]:
    args = [*TINY_ARGS, "--set", f"schedule.phase1={phase1_epochs}"]
    return [sys.executable, "-m", "nircolor.cli", "train", "--data", str(data), "--out", str(out),
            "--variant", "baseline", "--quiet", *args]  # fmt: skip


def test_kill_minus_9_mid_phase_then_rerun_gives_identical_weights(tiny_dataset, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    ref, cut = tmp_path / "ref", tmp_path / "cut"
    subprocess.run(_train_cmd(tiny_dataset, ref, 12), check=True, env=env, timeout=300,
                   capture_output=True)  # fmt: skip
    proc = subprocess.Popen(_train_cmd(tiny_dataset, cut, 12), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    resume = cut / "checkpoints" / "baseline" / "phase1.resume.pt"
    deadline = time.monotonic() + 240
    killed_at = None
    while time.monotonic() < deadline and proc.poll() is None:
        if resume.exists():
            try:
                epoch = load_checkpoint(resume)["epoch"]
            except Exception:  # being replaced right now; atomic rename makes this rare
                continue
            if epoch >= 3:
                proc.send_signal(signal.SIGKILL)
                killed_at = epoch
                break
        time.sleep(0.05)
    proc.wait(timeout=60)
    assert killed_at is not None and killed_at < 12, "the run ended before it could be killed"
    assert not (cut / "checkpoints" / "baseline" / "phase1.pt").exists()
    subprocess.run(_train_cmd(tiny_dataset, cut, 12), check=True, env=env, timeout=300,
                   capture_output=True)  # fmt: skip
    a = load_checkpoint(ref / "checkpoints" / "baseline" / "phase3.pt")
    b = load_checkpoint(cut / "checkpoints" / "baseline" / "phase3.pt")
    for net in a["models"]:
        for key, tensor in a["models"][net].items():
            assert torch.equal(tensor, b["models"][net][key]), f"{net}.{key} differs after resume"
    p1 = load_checkpoint(cut / "checkpoints" / "baseline" / "phase1.pt")
    assert [r["epoch"] for r in p1["history"]] == list(range(1, 13))


def test_compare_tables_with_floors_and_intervals(tiny_dataset, tmp_path, capsys):
    """`nircolor compare`: per-image CSVs → averages with the gray/lookup floors, intervals, wins."""
    import pandas as pd

    names = ["validation_0000", "validation_0001"]
    pd.DataFrame({"image": names, "psnr": [10.0, 12.0], "ssim": [0.3, 0.4], "ae": [9.0, 8.0]}).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame({"image": names, "psnr": [20.0, 22.0], "ssim": [0.6, 0.7], "ae": [3.0, 2.0]}).to_csv(tmp_path / "b.csv", index=False)
    code = main(["compare", "--table", f"baseline={tmp_path / 'a.csv'}", "--table", f"dense={tmp_path / 'b.csv'}",
                 "--data", str(tiny_dataset)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "| dense | 21.00 | 0.650 | 2.50 |" in out and "lookup (reference, no training)" in out
    assert "dense − baseline, PSNR: +10.00 dB" in out and "champion: dense" in out
    assert "paper" not in out.split("champion")[1]  # no --paper: no section against the paper's rows
    code = main(["compare", "--table", f"mine={tmp_path / 'b.csv'}", "--paper", "dense", "--paper", "baseline"])
    out = capsys.readouterr().out
    assert code == 0 and "| paper dense (VCIP 2020 Table I) | 17.14" in out and "| paper baseline (VCIP" in out
    assert "mine − paper dense, PSNR: +3.86 dB" in out and "mine − paper baseline, AE: -6.88°" in out
    assert main(["compare", "--table", "nonsense"]) == 2
