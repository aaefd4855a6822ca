"""Registry: tiny checkpoints registered as servable pyfunc versions, aliases, verified loading back."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from flows.registry import (
    ChecksumMismatch,
    RegistryError,
    decode_nir_bytes,
    load_registered,
    register_generator,
    set_champion,
    version_info,
)
from flows.tracking import Tracker

REPO = Path(__file__).resolve().parents[2]


def png_b64(array: np.ndarray, mode: str | None = None) -> str:
    buf = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


@pytest.fixture(scope="module")
def registry(tiny_checkpoints, empty_store, tmp_path_factory):
    """One store with dense as v1 (alias dense) and baseline as v2 (alias baseline), champion = v1."""
    root = tmp_path_factory.mktemp("registry")
    shutil.copyfile(empty_store, root / "mlflow.db")
    uri = f"sqlite:///{root}/mlflow.db"
    tracker = Tracker(uri=uri)
    seconds = {}
    versions = {}
    for variant in ("dense", "baseline"):
        parent = tracker.variant_run(variant)
        run = tracker.start_phase(parent, variant, "phase1", {"loss": {"lambda_cycle": 100.0}})
        start = time.perf_counter()
        versions[variant] = register_generator(
            tracker, run, tiny_checkpoints[variant], variant=variant, metrics={"val/psnr": np.float32(20.5)}
        )
        seconds[variant] = time.perf_counter() - start
        tracker.finish(run)
    set_champion(tracker, "nir-colorizer", versions["dense"], "best val/psnr 20.50 dB")
    print(f"\nregistration seconds: {seconds}")
    return {"tracker": tracker, "uri": uri, "versions": versions, "seconds": seconds}


def test_versions_aliases_and_tags(registry, tiny_checkpoints):
    tracker = registry["tracker"]
    assert registry["versions"] == {"dense": "1", "baseline": "2"}
    dense = version_info(tracker, "nir-colorizer", "dense")
    assert dense["version"] == "1"
    assert dense["tags"]["variant"] == "dense"
    assert dense["tags"]["val/psnr"] in ("20.5", "20.75")  # 20.75 once re-registered
    from nircolor.fsutil import sha256_file

    assert dense["tags"]["checkpoint_sha256"] == sha256_file(tiny_checkpoints["dense"])
    assert version_info(tracker, "nir-colorizer", "baseline")["version"] == "2"
    champion = version_info(tracker, "nir-colorizer", "champion")
    assert champion["version"] == "1"
    assert champion["tags"]["champion_reason"] == "best val/psnr 20.50 dB"
    # the logged model hangs off the phase run
    run = tracker.client.get_run(dense["run_id"])
    assert run.data.tags["phase"] == "phase1"
    assert max(registry["seconds"].values()) < 10


def test_registering_again_from_the_same_run_reuses_the_version(registry, tiny_checkpoints):
    """A retried evaluate task must not mint a duplicate version."""
    tracker = registry["tracker"]
    run_id = version_info(tracker, "nir-colorizer", "dense")["run_id"]
    again = register_generator(tracker, run_id, tiny_checkpoints["dense"], variant="dense", metrics={"val/psnr": 20.75})
    assert again == "1"
    assert version_info(tracker, "nir-colorizer", "dense")["tags"]["val/psnr"] == "20.75"
    assert len(tracker.client.search_model_versions("name = 'nir-colorizer'")) == 2
    with pytest.raises(ValueError, match="variant 'dense', not 'baseline'"):
        register_generator(tracker, run_id, tiny_checkpoints["dense"], variant="baseline")


def test_unknown_alias_is_a_clear_error(registry):
    with pytest.raises(RegistryError, match=r"no alias 'nope'.*baseline → v2.*champion → v1.*dense → v1"):
        load_registered(registry["tracker"], "nir-colorizer", "nope")
    with pytest.raises(RegistryError, match="no registered model 'other'"):
        version_info(registry["tracker"], "other", "dense")


def test_load_registered_returns_the_checkpoint_weights(registry, tiny_checkpoints):
    from nircolor.inference import load_generator

    g, meta = load_registered(registry["tracker"], "nir-colorizer", "baseline")
    ref, _ = load_generator(tiny_checkpoints["baseline"])
    assert meta["variant"] == "baseline" and meta["version"] == "2" and meta["phase"] == "phase1"
    ours, theirs = g.state_dict(), ref.state_dict()
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)
    assert not g.training


def test_pyfunc_model_serves_base64_pngs(registry, monkeypatch):
    import mlflow.pyfunc

    monkeypatch.setenv("MLFLOW_TRACKING_URI", registry["uri"])
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", registry["uri"])
    model = mlflow.pyfunc.load_model("models:/nir-colorizer@dense")

    rng = np.random.default_rng(0)
    nir8 = rng.integers(0, 256, (40, 50), dtype=np.uint8)
    nir16 = rng.integers(0, 65536, (40, 50)).astype(np.uint16)
    gray_rgb = np.repeat(nir8[..., None], 3, axis=2)
    rows = [png_b64(nir8), png_b64(nir16), "data:image/png;base64," + png_b64(gray_rgb)]
    out = model.predict(pd.DataFrame({"image": rows}))
    assert list(out.columns) == ["image", "height", "width"]
    assert out["height"].tolist() == [40, 40, 40] and out["width"].tolist() == [50, 50, 50]
    decoded = [np.asarray(Image.open(io.BytesIO(base64.b64decode(s)))) for s in out["image"]]
    assert all(d.shape == (40, 50, 3) and d.dtype == np.uint8 for d in decoded)
    assert np.array_equal(decoded[0], decoded[2])  # equal-channel RGB is the same NIR image

    with pytest.raises(ValueError, match="row 1: not valid base64"):
        model.predict(pd.DataFrame({"image": [rows[0], "not an image!"]}))
    junk = base64.b64encode(b"just some text, not an image").decode()
    with pytest.raises(ValueError, match="row 0: not an image Pillow can read"):
        model.predict(pd.DataFrame({"image": [junk]}))
    colour = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="row 0: NIR image has 3 unequal channels"):
        model.predict(pd.DataFrame({"image": [png_b64(colour)]}))


def test_decode_nir_bytes_rules():
    buf = io.BytesIO()
    Image.fromarray(np.full((3, 5), 65535, np.uint16)).save(buf, format="PNG")
    assert decode_nir_bytes(buf.getvalue()).tolist() == [[255] * 5] * 3
    with pytest.raises(ValueError, match="req: empty image data"):
        decode_nir_bytes(b"", name="req")
    rgba = io.BytesIO()
    Image.new("RGBA", (4, 4)).save(rgba, format="PNG")
    with pytest.raises(ValueError, match="x: has an alpha channel"):
        decode_nir_bytes(rgba.getvalue(), name="x")


def test_tampered_checkpoint_is_refused(registry, tiny_checkpoints, monkeypatch):
    """Overwrite the stored artifact of the champion: both loaders refuse it."""
    import mlflow.pyfunc

    tracker = registry["tracker"]
    info = version_info(tracker, "nir-colorizer", "dense")
    location = tracker.client.get_logged_model(info["model_id"]).artifact_location
    stored = Path(location.removeprefix("file://")) / "artifacts" / tiny_checkpoints["dense"].name
    assert stored.is_file()
    original = stored.read_bytes()
    try:
        # a different but valid checkpoint: it would load fine, only the hash can tell
        stored.write_bytes(tiny_checkpoints["baseline"].read_bytes())
        with pytest.raises(ChecksumMismatch, match="does not match the recorded"):
            load_registered(tracker, "nir-colorizer", "champion")
        monkeypatch.setenv("MLFLOW_TRACKING_URI", registry["uri"])
        monkeypatch.setenv("MLFLOW_REGISTRY_URI", registry["uri"])
        with pytest.raises(Exception, match="does not match the recorded"):
            mlflow.pyfunc.load_model("models:/nir-colorizer@dense")
    finally:
        stored.write_bytes(original)


def test_served_model_lists_pinned_requirements(registry):
    import mlflow.artifacts

    tracker = registry["tracker"]
    info = version_info(tracker, "nir-colorizer", "dense")
    reqs = mlflow.artifacts.load_text(
        tracker.client.get_logged_model(info["model_id"]).artifact_location + "/requirements.txt"
    ).split()
    names = {r.split("==")[0] for r in reqs}
    assert {"torch", "numpy", "pillow", "pandas", "albumentations", "mlflow"} <= names
    torch_pin = next(r for r in reqs if r.startswith("torch=="))
    assert "+" not in torch_pin
    assert "albumentations==2.0.8" in reqs


def test_nir_colorizer_is_a_plain_pyfunc_model_class():
    import mlflow.pyfunc

    from flows.registry.model import NirColorizer

    assert issubclass(NirColorizer, mlflow.pyfunc.PythonModel)
    assert NirColorizer.__module__ == "flows.registry.model" and NirColorizer.__qualname__ == "NirColorizer"


def test_served_model_carries_nircolor_code_and_nothing_from_flows(registry, tmp_path):
    """The model artifact's code: the model file and a copy of nircolor; no flows package."""
    import mlflow.artifacts

    tracker = registry["tracker"]
    info = version_info(tracker, "nir-colorizer", "dense")
    location = tracker.client.get_logged_model(info["model_id"]).artifact_location
    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=location, dst_path=str(tmp_path), tracking_uri=tracker.uri))
    files = {p.relative_to(local).as_posix() for p in local.rglob("*.py")}
    assert any(f.endswith("code/nircolor/serving.py") for f in files), sorted(files)
    assert not any("flows" in f.split("/") for f in files), sorted(files)
    model_code = [f for f in files if "nircolor" not in f.split("/")]  # the models-from-code file alone
    assert len(model_code) == 1 and model_code[0].endswith("model.py"), model_code
    assert "from flows" not in (local / model_code[0]).read_text()


def test_importing_registry_does_not_import_mlflow():
    code = "import sys, flows.registry; print('mlflow' in sys.modules)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "False"


def test_serve_command_names_the_registered_model_and_binds_loopback(capsys):
    from flows.registry import serve

    assert serve.main(["--dry-run", "--alias", "v3", "--port", "5123"]) == 0
    argv = capsys.readouterr().out.split()
    assert argv[argv.index("-m", 3) + 1] == "models:/nir-colorizer/3"  # the name from params.yaml
    assert argv[argv.index("-h") + 1] == "127.0.0.1" and argv[argv.index("-p") + 1] == "5123"
    assert serve.main(["--dry-run"]) == 0
    assert "models:/nir-colorizer@champion" in capsys.readouterr().out
