"""data.dvc describes the default synthetic dataset: `nircolor synth data/` regenerates it byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def test_committed_data_dvc_matches_a_fresh_synth(tmp_path):
    committed = yaml.safe_load((REPO / "data.dvc").read_text())["outs"][0]
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1"}
    subprocess.run(["nircolor", "synth", "data", "--quiet"], cwd=tmp_path, env=env, check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    subprocess.run(["dvc", "init", "--no-scm", "-q"], cwd=tmp_path, env=env, check=True, timeout=60)
    subprocess.run(["dvc", "add", "-q", "data"], cwd=tmp_path, env=env, check=True, timeout=300)
    fresh = yaml.safe_load((tmp_path / "data.dvc").read_text())["outs"][0]
    assert (fresh["md5"], fresh["nfiles"], fresh["size"]) == (
        committed["md5"], committed["nfiles"], committed["size"]
    ), "nircolor synth no longer reproduces data.dvc: regenerate it (nircolor synth data && dvc add data)"
