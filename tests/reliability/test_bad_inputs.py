"""Bad input corpus: every broken dataset gets a named, actionable error from ingest and from colorize,
no partial output is left for a later stage to take for good, and a decompression bomb is refused
from its header."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nircolor.cli import main
from nircolor.data import io as data_io
from nircolor.data.io import MAX_PIXELS, ImageError, display_path, probe_image, read_image
from nircolor.data.layout import EXPECTED_LAYOUT, DatasetError
from nircolor.data.packed import MANIFEST, load_packed, pack_dataset
from nircolor.data.validate import validate_dataset
from tests.reliability.corpus import (
    BOMB_SIDE,
    CASES,
    SIZE,
    Case,
    base_dataset,
    nir,
    png_with_header,
    restore_permissions,
)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
REFUSED = [name for name, build in CASES.items() if name not in ("sixteen_bit_nir", "grey_palette_nir")]


@pytest.fixture
def case(request, tmp_path) -> Case:
    built = CASES[request.param](tmp_path / "data")
    if built.needs_non_root and IS_ROOT:
        restore_permissions(built.root)
        pytest.skip("running as root: root reads a chmod-000 file anyway, so there is nothing to refuse")
    yield built
    restore_permissions(tmp_path)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """A real (untrained) tiny dense checkpoint: colorize needs a loadable generator, not a good one."""
    import torch

    from nircolor.config import load_config
    from nircolor.models import build_generator
    from nircolor.training.checkpoint import save_checkpoint
    from tests.recipes import TINY_OVERRIDES

    cfg = load_config(None, TINY_OVERRIDES)
    torch.manual_seed(0)
    g = build_generator("dense", 1, 3, ngf=cfg.model.ngf, image_size=cfg.model.image_size)
    models = {"g_nir2rgb": g.state_dict(), "g_rgb2nir": {}, "d_rgb": {}, "d_nir": {}}
    state = {"variant": "dense", "phase": "phase1", "epoch": 0, "complete": True,
             "config": cfg.model_dump(mode="json"), "models": models}  # fmt: skip
    return save_checkpoint(state, tmp_path_factory.mktemp("ckpt") / "dense.pt")


def _lines_for(err: str, path: Path) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(f"{display_path(path)}: ")]


# --- the corpus itself ---------------------------------------------------------------------------


def test_corpus_has_at_least_15_distinct_refusals(tmp_path):
    built = {name: build(tmp_path / name) for name, build in CASES.items()}
    restore_permissions(tmp_path)
    assert all(case.name == name for name, case in built.items())
    refused = [c for c in built.values() if not c.accepted]
    assert len(refused) >= 15
    assert len({c.fragment for c in refused}) >= 15  # distinct reasons, not one case in many names
    assert {c.name for c in built.values() if c.accepted} == {"sixteen_bit_nir", "grey_palette_nir"}


# --- ingest: validate_dataset, then packing ------------------------------------------------------


@pytest.mark.parametrize("case", REFUSED, indirect=True)
def test_ingest_names_the_file_and_the_reason(case, tmp_path):
    with pytest.raises(DatasetError) as excinfo:
        validate_dataset(case.root)
    message = str(excinfo.value)
    lines = _lines_for(message, case.bad)
    assert lines, f"no line naming {case.bad} in:\n{message}"
    assert any(case.fragment in line for line in lines), f"{case.fragment!r} not in {lines}"
    assert message.splitlines()[0].startswith(f"dataset at {display_path(case.root)} has ")
    assert (EXPECTED_LAYOUT in message) == case.layout  # the layout is shown when the layout is what is wrong
    message.encode("utf-8")  # printable on a UTF-8 stdout/stderr (non-UTF-8 names are reported, not crashed on)


@pytest.mark.parametrize("case", ["sixteen_bit_nir", "grey_palette_nir"], indirect=True)
def test_documented_acceptances_ingest_and_pack(case, tmp_path):
    index = validate_dataset(case.root)
    manifest = pack_dataset(index, tmp_path / "packed")
    train, _, _ = load_packed(tmp_path / "packed")
    i = list(train.paired.stems).index("country_0001")
    got = np.asarray(train.paired.nir[i])
    if case.name == "sixteen_bit_nir":
        assert any("16-bit, scaled to 8-bit" in note for note in index.notes)
        assert (got[: SIZE // 2] == case.extra["expected_row0"]).all()
        assert (got[SIZE // 2 :] == case.extra["expected_last_row"]).all()
    else:
        np.testing.assert_array_equal(got, read_image(case.root.parent / "data/NIR/country_0001_nir.png", "nir"))
    assert manifest["counts"]["train_pairs"] == 3


def test_a_file_broken_after_validation_fails_packing_by_name_and_leaves_no_finished_pack(tmp_path):
    root = base_dataset(tmp_path / "data")
    out = tmp_path / "packed"
    pack_dataset(validate_dataset(root), out)  # a previous good pack
    index = validate_dataset(root)
    data = nir(root).read_bytes()
    nir(root).write_bytes(data[: len(data) // 2])  # damaged between validation and packing
    with pytest.raises(DatasetError) as excinfo:
        pack_dataset(index, out)
    assert _lines_for(str(excinfo.value), nir(root)) and "after validation passed" in str(excinfo.value)
    assert not (out / MANIFEST).exists()
    with pytest.raises(FileNotFoundError, match="not a finished pack"):
        load_packed(out)  # the old arrays are still there, but nothing takes them for a finished pack
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no temporaries left


# --- colorize ------------------------------------------------------------------------------------


def _colorize(inputs, out: Path, checkpoint: Path, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["colorize", *map(str, inputs), "-o", str(out), "--checkpoint", str(checkpoint), "--device", "cpu"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("case", list(CASES), indirect=True)
def test_colorize_names_each_bad_input_and_still_colorizes_the_good_one(case, tmp_path, checkpoint, capsys):
    good = tmp_path / "good_nir.png"
    Image.fromarray(np.full((20, 28), 90, np.uint8)).save(good)
    out = tmp_path / "out"
    code, stdout, err = _colorize([good, *case.colorize], out, checkpoint, capsys)
    assert "Traceback" not in err
    written = sorted(p.name for p in out.iterdir())
    assert "good_rgb.png" in written
    assert not [n for n in written if n.startswith(".") or not n.endswith("_rgb.png")]  # no temporaries
    for name in written:
        with Image.open(out / name) as im:
            im.load()  # every file there is a complete PNG
            assert im.mode == "RGB"
    if case.colorize_bad is None:  # documented acceptance: colorize needs a readable NIR image, nothing more
        assert code == 0, err
        n_inputs = sum(len(list(i.glob("*.png"))) if i.is_dir() else 1 for i in case.colorize)
        assert len(written) == 1 + n_inputs
        return
    assert code == 1
    prefix = f"nircolor colorize: {display_path(case.colorize_bad)}: "
    lines = [line for line in err.splitlines() if line.startswith(prefix)]
    assert lines, f"no line naming {case.colorize_bad} in:\n{err}"
    assert any(case.colorize_fragment in line for line in lines), f"{case.colorize_fragment!r} not in {lines}"
    bad_out = case.colorize_bad.stem.removesuffix("_nir") + "_rgb.png"
    assert case.colorize_bad.is_dir() or bad_out not in written  # nothing written for the bad input
    assert "failed (listed above)" in err.splitlines()[-1]


def test_colorize_with_only_bad_inputs_writes_nothing_and_skips_the_model(tmp_path, capsys):
    fake = tmp_path / "fake_nir.png"
    fake.write_text("not an image")
    out = tmp_path / "out"
    code, _, err = _colorize([fake], out, tmp_path / "no-such-checkpoint.pt", capsys)
    assert code == 1 and "not an image" in err and "nothing written" in err
    assert not out.exists()


def test_colorize_write_failure_leaves_no_partial_file(tmp_path, checkpoint, capsys, monkeypatch):
    inputs = []
    for i in range(3):
        inputs.append(tmp_path / f"img{i}_nir.png")
        Image.fromarray(np.full((16, 16), 40 * i, np.uint8)).save(inputs[-1])
    real_save = Image.Image.save
    calls = []

    def flaky_save(self, fp, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the second output dies half-way through writing
            fp.write(b"\x89PNG\r\n\x1a\n partial")
            raise OSError(28, "No space left on device")
        return real_save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", flaky_save)
    out = tmp_path / "out"
    code, _, err = _colorize(inputs, out, checkpoint, capsys)
    assert code == 1
    assert f"nircolor colorize: {out / 'img1_rgb.png'}: cannot write the output (No space left on device)" in err
    assert sorted(p.name for p in out.iterdir()) == ["img0_rgb.png", "img2_rgb.png"]


def test_colorize_from_the_shell_is_one_line_per_bad_file_without_traceback(tmp_path, checkpoint):
    """The real entry point, in a subprocess: exit status 1, one `nircolor colorize: <path>: <reason>` line each."""
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(np.full((24, 24), 128, np.uint8)).save(folder / "ok_nir.png")
    (folder / "empty_nir.png").write_bytes(b"")
    png_with_header(folder / "bomb_nir.png", BOMB_SIDE, BOMB_SIDE)
    Image.new("RGBA", (8, 8)).save(folder / "alpha_nir.png")
    (folder / "loop_nir.png").symlink_to("loop_nir.png")
    out = tmp_path / "out"
    res = subprocess.run(
        [sys.executable, "-m", "nircolor.cli", "colorize", str(folder), str(tmp_path / "missing.png"),
         "-o", str(out), "--checkpoint", str(checkpoint), "--device", "cpu"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    expected = {
        folder / "empty_nir.png": "zero-byte file",
        folder / "bomb_nir.png": "too large",
        folder / "alpha_nir.png": "has an alpha channel",
        folder / "loop_nir.png": "symlink loop",
        tmp_path / "missing.png": "no such file or folder",
    }
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("nircolor colorize: ")]
    for path, fragment in expected.items():
        assert any(ln.startswith(f"nircolor colorize: {path}: ") and fragment in ln for ln in lines), res.stderr
    assert lines[-1] == "nircolor colorize: 5 of 6 input(s) failed (listed above); the other 1 were written"
    assert sorted(p.name for p in out.iterdir()) == ["ok_rgb.png"]


# --- decompression bomb --------------------------------------------------------------------------


@pytest.mark.parametrize("side", [BOMB_SIDE, 10_000])  # above Pillow's own limit, and between ours and Pillow's
def test_bomb_is_refused_from_the_header_fast_and_without_allocating(tmp_path, side):
    path = png_with_header(tmp_path / "bomb.png", side, side)
    assert path.stat().st_size < 200 and side * side > MAX_PIXELS
    tracemalloc.start()
    t0 = time.perf_counter()
    for reader in (lambda: probe_image(path, "nir"), lambda: read_image(path, "nir")):
        with pytest.raises(ImageError, match="too large") as excinfo:
            reader()
        assert f"{side * side:,} pixels" in excinfo.value.reason and f"{MAX_PIXELS:,}" in excinfo.value.reason
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 5_000_000  # bytes: the 10⁸–10¹⁰ pixel buffer was never allocated


def _documented(name: str, value: int) -> bool:
    """Some paragraph of the README or docs/ names the constant with its current value."""
    root = Path(__file__).resolve().parents[2]
    pages = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    paragraphs = [par for page in pages for par in page.read_text().split("\n\n")]
    return any(name in par and f"{value:,}" in par for par in paragraphs)


def test_pixel_limit_is_the_documented_constant():
    assert _documented("MAX_PIXELS", MAX_PIXELS)


def test_an_image_just_under_the_limit_is_not_refused_by_the_header(tmp_path, monkeypatch):
    monkeypatch.setattr(data_io, "MAX_PIXELS", 64 * 64)
    path = png_with_header(tmp_path / "edge.png", 64, 64, idat=b"".join(b"\x00" + bytes(64) for _ in range(64)))
    assert probe_image(path, "nir").size == (64, 64)
    png_with_header(tmp_path / "over.png", 65, 64)
    with pytest.raises(ImageError, match="too large"):
        probe_image(tmp_path / "over.png", "nir")


# --- unreadable files, even when the tests run as root -------------------------------------------


def _as_nobody(fn) -> str:
    """Run ``fn()`` in a forked child that dropped to uid/gid 65534; its return value or error, as text."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: no pytest machinery from here on, only os._exit
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            text = f"ok: {fn()}"
        except BaseException as exc:  # noqa: BLE001  (everything goes back to the parent as text)
            text = f"{type(exc).__name__}: {exc}"
        os.write(write, text.encode("utf-8", "backslashreplace"))
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        text = fh.read().decode()
    os.waitpid(pid, 0)
    return text


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork to drop privileges")
def test_unreadable_file_is_named_for_an_unprivileged_user(tmp_path, capsys):
    """chmod 000 as a user that cannot read it: as root, the check runs in a child that became nobody."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="nircolor-perm-"))  # not under pytest's 0700 tmp: nobody must reach it
    try:
        base.chmod(0o755)
        case = CASES["unreadable_file"](base / "data")
        read_image(case.root / "NIR/country_0000_nir.png", "nir")  # Pillow's plugins load before any fork

        def validate() -> str:
            try:
                validate_dataset(case.root)
            except DatasetError as err:
                return str(err)
            return "accepted"

        def colorize() -> str:  # only the bad input: the model is never loaded, nothing is written
            code = main(["colorize", str(case.bad), "-o", str(base / "out"), "--checkpoint", str(base / "x.pt")])
            return f"exit {code}"

        # the same call on a missing file first, so that every lazy import happens before any fork
        main(["colorize", str(base / "missing.png"), "-o", str(base / "out"), "--checkpoint", str(base / "x.pt")])
        run = _as_nobody if IS_ROOT else (lambda fn: f"ok: {fn()}")
        message = run(validate)
        assert message.startswith("ok: dataset at"), message
        assert any(case.fragment in line for line in _lines_for(message[4:], case.bad)), message
        capsys.readouterr()
        assert run(colorize) == "ok: exit 1"
        err = capsys.readouterr().err
        if not IS_ROOT:  # a forked child's stderr bypasses capsys
            assert f"nircolor colorize: {case.bad}: permission denied" in err
        assert not (base / "out").exists()
    finally:
        restore_permissions(base)
        import shutil

        shutil.rmtree(base)


def test_an_image_too_large_to_colorize_in_one_pass_is_named_from_its_header(tmp_path, checkpoint, capsys,
                                                                             monkeypatch):  # fmt: skip
    """Decodable (under MAX_PIXELS) is not enough: the generator needs ~4 KB per pixel, so colorize has
    its own, tighter limit, checked from the header before any decoding or tensor."""
    from nircolor import inference

    monkeypatch.setattr(inference, "MAX_INFER_PIXELS", 30 * 30)
    small, big = tmp_path / "small_nir.png", tmp_path / "big_nir.png"
    Image.fromarray(np.zeros((30, 30), np.uint8)).save(small)
    Image.fromarray(np.zeros((31, 30), np.uint8)).save(big)
    code, _, err = _colorize([small, big], tmp_path / "out", checkpoint, capsys)
    assert code == 1
    assert f"nircolor colorize: {big}: too large to colorize (31×30 = 930 pixels > MAX_INFER_PIXELS 900" in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["small_rgb.png"]
    with pytest.raises(inference.InputTooLarge, match="too large to colorize"):
        inference.colorize_array(None, np.zeros((31, 30), np.uint8))  # refused before the model is touched


def test_inference_limit_is_documented():
    from nircolor.inference import MAX_INFER_PIXELS

    assert _documented("MAX_INFER_PIXELS", MAX_INFER_PIXELS)
