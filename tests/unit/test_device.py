"""Device selection, and process-global torch settings changed only by configure_runtime, never by building or training."""

from __future__ import annotations

import pytest
import torch

from nircolor.config import load_config
from nircolor.device import COMPILE_TRACE_LIMIT, configure_runtime, resolve_device


def _dynamo_limit_name() -> str:
    cfg = torch._dynamo.config
    return "recompile_limit" if hasattr(cfg, "recompile_limit") else "cache_size_limit"


@pytest.fixture
def saved_runtime():
    """Restore the thread count and the dynamo limit a test changes."""
    threads, name = torch.get_num_threads(), _dynamo_limit_name()
    limit = getattr(torch._dynamo.config, name)
    yield name
    torch.set_num_threads(threads)
    setattr(torch._dynamo.config, name, limit)


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no CUDA device"):
            resolve_device("cuda")


def test_configure_runtime_applies_threads_and_the_compile_limit(saved_runtime):
    setattr(torch._dynamo.config, saved_runtime, 8)
    threads = torch.get_num_threads()
    configure_runtime(load_config(None).train, torch.device("cpu"))  # defaults: nothing changes
    assert torch.get_num_threads() == threads and getattr(torch._dynamo.config, saved_runtime) == 8
    want = 1 if threads != 1 else 2
    configure_runtime(load_config(None, {"train.num_threads": want, "train.compile": True}).train, torch.device("cpu"))
    assert torch.get_num_threads() == want
    assert getattr(torch._dynamo.config, saved_runtime) == COMPILE_TRACE_LIMIT


def test_building_and_training_leave_process_settings_alone(saved_runtime, tiny_pack, tmp_path, tiny_overrides):
    from nircolor.training.cyclegan import CycleGAN
    from nircolor.training.phase import run_phase

    setattr(torch._dynamo.config, saved_runtime, 8)
    threads, bench = torch.get_num_threads(), torch.backends.cudnn.benchmark
    over = {**tiny_overrides, "schedule.phase1": 1, "train.num_threads": 1 if threads != 1 else 2}
    CycleGAN.build("dense", load_config(None, {**over, "train.compile": True}), torch.device("cpu"))
    run_phase("phase1", variant="dense", cfg=load_config(None, over), data=tiny_pack[0], out=tmp_path / "p1.pt",
              progress=False)  # fmt: skip
    assert torch.get_num_threads() == threads and torch.backends.cudnn.benchmark == bench
    assert getattr(torch._dynamo.config, saved_runtime) == 8


def test_resolve_precision_passes_explicit_values_and_refuses_others():
    from nircolor.device import resolve_precision

    for device in (torch.device("cpu"), torch.device("cuda")):  # explicit values never consult the device
        assert resolve_precision("fp32", device) == "fp32"
        assert resolve_precision("bf16", device) == "bf16"
    with pytest.raises(ValueError, match="'auto', 'fp32' or 'bf16'"):
        resolve_precision("fp16", torch.device("cpu"))


def _patch_cpu_bf16(monkeypatch, onednn: bool, avx512_bf16: bool, amx: bool) -> None:
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: onednn)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)


@pytest.mark.parametrize("native", [True, False])
def test_auto_precision_follows_the_devices_native_bf16(monkeypatch, native):
    import nircolor.device as dev

    _patch_cpu_bf16(monkeypatch, onednn=native, avx512_bf16=native, amx=False)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: native)
    want = "bf16" if native else "fp32"
    assert dev.native_bf16(torch.device("cpu")) is native
    assert dev.resolve_precision("auto", torch.device("cpu")) == want
    assert dev.resolve_precision("auto", torch.device("cuda")) == want
    assert dev.resolve_precision("auto", torch.device("mps")) == "fp32"  # no test known: fp32


@pytest.mark.parametrize(
    ("onednn", "avx512_bf16", "amx", "native"),
    [
        (True, False, False, False),  # plain AVX-512 (Xeon of 2026-12-01): oneDNN says yes, bf16 is emulated
        (True, True, False, True),  # AVX-512 BF16 (EPYC of 2026-11-26)
        (True, False, True, True),  # AMX (Xeon of 2026-11-30)
        (False, True, True, False),  # no oneDNN bf16 path at all
    ],
)
def test_cpu_bf16_is_native_only_with_bf16_instructions(monkeypatch, onednn, avx512_bf16, amx, native):
    import nircolor.device as dev

    _patch_cpu_bf16(monkeypatch, onednn, avx512_bf16, amx)
    assert dev.native_bf16(torch.device("cpu")) is native


def test_auto_precision_on_this_cpu_matches_its_instructions():
    from nircolor.device import resolve_precision

    native = torch.ops.mkldnn._is_mkldnn_bf16_supported() and (
        torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    )
    assert resolve_precision("auto", torch.device("cpu")) == ("bf16" if native else "fp32")


@pytest.mark.parametrize("native", [True, False])
def test_the_trainer_autocasts_as_auto_resolves(monkeypatch, tiny_overrides, native):
    from nircolor.training.cyclegan import CycleGAN

    _patch_cpu_bf16(monkeypatch, onednn=native, avx512_bf16=False, amx=native)
    cfg = load_config(None, {**tiny_overrides, "train.precision": "auto"})
    gan = CycleGAN.build("dense", cfg, torch.device("cpu"))
    assert gan.autocast_dtype == (torch.bfloat16 if native else None)
    assert load_config(None, {**tiny_overrides, "train.precision": "auto"}).train.precision == "auto"
