"""kill -9 `dvc repro` during ingest, during a training phase and during evaluate, then run it again:
nothing half-written is used, finished epochs are not redone, and every result equals a clean run.

One temporary project (tiny profile, one variant's chain ingest → augment → phase1..3 → evaluate@dense)
lives through four `dvc repro` runs: three are killed with SIGKILL on their whole process group (DVC and
the stage under it) at a moment polled from the files the stage writes, the fourth finishes. The module
fixture records what was on disk at each kill; the tests only read that record. The clean reference is
the same recipe run straight through the packer, trainer and scorer in one fresh process: the DVC stages
are thin wrappers whose only inputs to the numbers are (params, data, previous checkpoint), so a second
DVC project would cost ~40 s more and compare nothing more.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import pytest
import torch
import yaml

from nircolor.data.io import read_image
from nircolor.data.packed import load_packed
from nircolor.training.checkpoint import load_checkpoint
from tests.pipeline._project import make_project, prefect_server, project_env, run

VARIANT = "dense"
TARGET = f"evaluate@{VARIANT}"  # DVC runs this stage's whole upstream chain; baseline/compare stay out
PHASE1, PHASE2, PHASE3 = 2, 8, 2  # epochs; phase2 is long enough to be killed between epochs
OVERRIDES = {"schedule.phase1": PHASE1, "schedule.phase2": PHASE2, "schedule.phase3": PHASE3}
# 200 validation pairs: enough decoding for ingest's packing (and evaluate's image writing) to be hit
SYNTH = ["--pairs", "8", "--unpaired", "4", "--val", "200", "--size", "32"]
PHASE2_FIRST, PHASE2_LAST = PHASE1 + 1, PHASE1 + PHASE2  # global epoch numbers

# The clean run: pack, three phases and the scoring in one process, nothing interrupted.
REFERENCE = """
import sys
from pathlib import Path
from nircolor.config import load_config
from nircolor.data.packed import load_packed, pack_dataset
from nircolor.data.validate import validate_dataset
from nircolor.inference import evaluate_generator, load_generator
from nircolor.training.phase import run_phase

out = Path(sys.argv[1])
variant = sys.argv[2]
cfg = load_config("params.yaml").for_variant(variant)
pack_dataset(validate_dataset(Path(cfg.paths.data)), out / "packed", image_size=cfg.model.image_size,
             limit_pairs=cfg.ingest.limit_pairs, limit_online=cfg.ingest.limit_online, seed=cfg.ingest.seed)
train, val, manifest = load_packed(out / "packed")
prov = {"data_sha256": manifest["sha256"]}
init = None
for phase in ("phase1", "phase2", "phase3"):
    run_phase(phase, variant=variant, cfg=cfg, data=train, out=out / f"{phase}.pt", init=init,
              progress=False, provenance=prov)
    init = out / f"{phase}.pt"
g, _ = load_generator(init, "cpu")
table, _ = evaluate_generator(g, val, "cpu", batch_size=cfg.evaluate.batch_size)
table.to_csv(out / "table.csv", index=False)
"""


@dataclass
class Kill:
    """What one killed `dvc repro` left behind, read right after its process group was gone."""

    pid: int
    log: str
    seconds: float
    lock_stages: set[str]  # stages dvc.lock records
    status: set[str]  # stages `dvc status` says must run
    rwlock: str  # .dvc/tmp/rwlock as the killed run left it
    seen: dict[str, Any] = field(default_factory=dict)


class Story:
    """The project and its runs, in order."""

    def __init__(self, root: Path, env: dict[str, str]):
        self.root, self.env = root, env
        self.art = root / "artifacts"
        self.kills: dict[str, Kill] = {}
        self.logs: list[str] = []  # every run's output, in order
        self.seconds: dict[str, float] = {}
        self.final_status: set[str] = set()  # `dvc status` after the last, uninterrupted run
        self.final_rwlock = ""
        self.flow_runs: list[tuple[str, str, str]] = []  # (flow, run, state type) in Prefect at the end
        self.ref = root.parent / f"{root.name}-reference"  # the clean run's outputs

    def kill_when(self, name: str, ready: Callable[[], bool], look: Callable[[], dict], timeout: float = 300) -> None:
        """Start `dvc repro` in its own process group, SIGKILL the whole group once `ready()`, then
        record the project's state (`look()` adds the scenario's own observations)."""
        log_path = self.root.parent / f"{self.root.name}-{name}.log"
        t0 = time.monotonic()
        with open(log_path, "w") as log:
            proc = subprocess.Popen(["dvc", "repro", TARGET], cwd=self.root, env=self.env, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        try:
            while not ready():
                if proc.poll() is not None:
                    pytest.fail(f"{name}: dvc repro ended (rc {proc.returncode}) before the kill point:\n"
                                f"{log_path.read_text()[-3000:]}")  # fmt: skip
                if time.monotonic() - t0 > timeout:
                    pytest.fail(f"{name}: kill point not reached in {timeout} s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.002)
            _kill_group(proc.pid)
        finally:
            _kill_group(proc.pid)  # also when a check above failed: never leave the run going
            proc.wait()  # reaped: a zombie would still count as alive for DVC's lock check
            _wait_group_gone(proc.pid)
        seconds = time.monotonic() - t0
        rwlock = self.root / ".dvc" / "tmp" / "rwlock"
        kill = Kill(
            pid=proc.pid, log=log_path.read_text(), seconds=seconds, lock_stages=self.lock_stages(),
            status=set(), rwlock=rwlock.read_text() if rwlock.exists() else "", seen=look(),
        )  # fmt: skip
        kill.status = self.status()  # after look(): `dvc status` itself must work with the stale locks
        self.kills[name] = kill
        self.logs.append(kill.log)
        self.seconds[name] = seconds

    def repro(self) -> str:
        t0 = time.monotonic()
        res = run(["dvc", "repro", TARGET], self.root, self.env, timeout=600)
        self.seconds["final"] = time.monotonic() - t0
        self.logs.append(res.stdout + res.stderr)
        return self.logs[-1]

    def lock_stages(self) -> set[str]:
        path = self.root / "dvc.lock"
        return set(yaml.safe_load(path.read_text())["stages"]) if path.exists() else set()

    def status(self) -> set[str]:
        out = run(["dvc", "status", "--json", "--with-deps", TARGET], self.root, self.env).stdout
        return set(json.loads(out))


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:  # the run had already ended; the checks on what it left will say so
        pass


def _wait_group_gone(pgid: int, timeout: float = 30) -> None:
    """SIGKILL is delivered asynchronously: wait until no live process of the group is left."""
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for p in psutil.process_iter(["status"]):
            try:
                if os.getpgid(p.pid) == pgid and p.info["status"] != psutil.STATUS_ZOMBIE:
                    alive.append(p.pid)
            except (OSError, psutil.Error):
                continue
        if not alive:
            return
        assert time.monotonic() < deadline, f"processes {alive} of the killed group survived SIGKILL"
        time.sleep(0.02)


def _listing(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.is_dir() else []


def _resume_epoch(path: Path, cache: dict) -> int:
    """The epoch a resume file holds (re-read only when it was replaced)."""
    try:
        stamp = path.stat().st_mtime_ns
        if cache.get("stamp") != stamp:
            cache.update(stamp=stamp, state=load_checkpoint(path))
        return cache["state"]["epoch"]
    except (OSError, ValueError):
        return 0


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> Story:
    root = tmp_path_factory.mktemp("proj")
    with prefect_server(tmp_path_factory.mktemp("servers")) as api:
        # one thread: the same for the stages and the reference (bitwise equality is per thread count),
        # and no OpenMP spin-waiting when the CI machine is shared (2 threads ran ~20x slower there);
        # the copy's own src/ first, so the stages run the code DVC hashed, not a later edit of the repo
        env = {**project_env(root, api), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONPATH": str(root / "src")}  # fmt: skip
        make_project(root, env, SYNTH, OVERRIDES)
        s = Story(root, env)
        art, ckpt = s.art, s.art / "checkpoints" / VARIANT

        # (b) ingest: killed while packing (its output folder exists, the pack is not finished)
        packed = art / "packed"

        def look_ingest() -> dict:
            npy = {}
            for f in packed.glob("*.npy"):
                try:
                    npy[f.name] = np.load(f).shape
                except (OSError, ValueError) as err:  # a half-written array would land here
                    npy[f.name] = repr(err)
            try:
                load_packed(packed)
                refused = ""
            except Exception as err:  # noqa: BLE001 — whatever a reader meets is recorded and judged below
                refused = f"{type(err).__name__}: {err}"
            return {"files": _listing(packed), "npy": npy, "load_refused": refused}

        s.kill_when("ingest", packed.is_dir, look_ingest)

        # (a) training: killed in phase2 after two of its epochs finished (one unpaired, one paired)
        resume, cache = ckpt / "phase2.resume.pt", {}

        def look_train() -> dict:
            state = load_checkpoint(resume) if resume.exists() else None
            return {"resume": state, "files": _listing(ckpt)}

        s.kill_when("train", lambda: _resume_epoch(resume, cache) >= PHASE2_FIRST + 1, look_train)

        # (c) evaluate: killed once it writes its outputs (colorized images, then the table, then MLflow)
        eval_dir = art / "eval" / VARIANT

        def look_evaluate() -> dict:
            table = eval_dir / "table.csv"
            pngs = {}
            for f in (eval_dir / "images").glob("*.png"):
                try:
                    pngs[f.name] = read_image(f, "rgb").shape
                except Exception as err:  # noqa: BLE001 — a truncated PNG, whatever the decoder says
                    pngs[f.name] = repr(err)
            return {
                "files": _listing(eval_dir),
                "table": pd.read_csv(table) if table.exists() else None,
                "pngs": pngs,
                "metrics": (art / "eval" / VARIANT / "evaluate.json").exists(),
            }

        def writing() -> bool:
            return (eval_dir / "images").is_dir() and any((eval_dir / "images").glob("*.png"))

        s.kill_when("evaluate", writing, look_evaluate)

        s.repro()
        s.final_status = s.status()
        s.final_rwlock = (root / ".dvc" / "tmp" / "rwlock").read_text()
        s.flow_runs = _flow_runs(api)

    t0 = time.monotonic()
    run([sys.executable, "-c", REFERENCE, str(s.ref), VARIANT], root, env, timeout=600)
    s.seconds["reference"] = time.monotonic() - t0
    print("\nseconds:", {k: round(v, 1) for k, v in s.seconds.items()})
    print("at the ingest kill, packed/ held:", s.kills["ingest"].seen["files"])
    resume = s.kills["train"].seen["resume"]
    print("at the training kill, the resume file held epoch", resume and resume["epoch"])
    seen = s.kills["evaluate"].seen
    print(f"at the evaluate kill: {len(seen['pngs'])} PNGs, table {'present' if seen['table'] is not None else 'absent'}")
    return s


def _flow_runs(api: str) -> list[tuple[str, str, str]]:
    import asyncio

    from prefect.client.orchestration import PrefectClient

    async def read() -> list[tuple[str, str, str]]:
        async with PrefectClient(api=api) as client:
            flows = {f.id: f.name for f in await client.read_flows(limit=50)}
            return [(flows[r.flow_id], r.name, r.state_type.value) for r in await client.read_flow_runs(limit=200)]

    return asyncio.run(read())


def _ran(log: str) -> list[str]:
    return re.findall(r"Running stage '([^']+)'", log)


def _assert_same(a: Any, b: Any, where: str) -> None:
    """Nested state dicts equal, every tensor bit for bit."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and (a.dtype, a.shape) == (b.dtype, b.shape), where
        if not torch.equal(a, b):
            gap = (a.double() - b.double()).abs().max().item()
            pytest.fail(f"{where}: differs from the uninterrupted run (max |difference| {gap:.3g})")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            _assert_same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def test_kill_during_ingest_leaves_no_usable_pack_and_the_rerun_packs_identically(story):
    kill = story.kills["ingest"]
    assert _ran(kill.log) == ["ingest"]
    # killed while packing: the folder exists, the manifest (written last) does not, so no reader takes it
    assert "manifest.json" not in kill.seen["files"], f"the kill came after packing finished: {kill.seen}"
    assert "not a finished pack" in kill.seen["load_refused"]
    assert all(isinstance(v, tuple) for v in kill.seen["npy"].values()), kill.seen["npy"]  # no torn .npy
    # DVC recorded nothing for the killed stage and runs it again
    assert "ingest" not in kill.lock_stages and "ingest" in kill.status
    assert _ran(story.logs[1])[0] == "ingest"
    # the rerun's pack is byte for byte a clean run's, and nothing else is in the folder
    ref = story.ref / "packed"
    assert _listing(story.art / "packed") == _listing(ref)
    for f in ref.iterdir():
        assert (story.art / "packed" / f.name).read_bytes() == f.read_bytes(), f.name


def test_kill_during_training_resumes_after_the_last_finished_epoch(story):
    kill = story.kills["train"]
    resume = kill.seen["resume"]
    assert resume is not None, f"no resume file at the kill: {kill.seen['files']}"
    k = resume["epoch"]
    assert PHASE2_FIRST + 1 <= k < PHASE2_LAST, f"kill after epoch {k}, not inside phase2"
    assert _ran(kill.log)[-1] == f"phase2@{VARIANT}" and f"phase2@{VARIANT}" not in kill.lock_stages
    assert f"phase2@{VARIANT}" in kill.status and f"phase1@{VARIANT}" not in kill.status
    rerun = story.logs[2]
    # DVC skipped what finished and reran the killed stage; the trainer went on from epoch k + 1
    assert _ran(rerun)[0] == f"phase2@{VARIANT}", _ran(rerun)
    trained = [int(e) for e in re.findall(rf"{VARIANT} phase2 epoch (\d+) \(", rerun)]
    assert trained == list(range(k + 1, PHASE2_LAST + 1)), trained
    # the finished epochs' records (their wall times included) are the killed run's, not redone
    final = load_checkpoint(story.art / "checkpoints" / VARIANT / "phase2.pt")
    assert [r["epoch"] for r in final["history"]] == list(range(PHASE2_FIRST, PHASE2_LAST + 1))
    assert final["history"][: k - PHASE1] == resume["history"]
    # the same MLflow run went on: each epoch logged at most once
    metrics = json.loads((story.art / "metrics" / VARIANT / "phase2.json").read_text())
    assert metrics["epochs"] == PHASE2
    assert metrics["mlflow_run_id"] == resume["provenance"]["mlflow_run_id"]
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=story.env["MLFLOW_TRACKING_URI"])
    steps = [m.step for m in client.get_metric_history(metrics["mlflow_run_id"], "train/loss_g")]
    assert len(steps) == len(set(steps)) and set(range(k + 1, PHASE2_LAST + 1)) <= set(steps), steps
    assert client.get_run(metrics["mlflow_run_id"]).info.status == "FINISHED"


def test_resumed_weights_equal_an_uninterrupted_run(story):
    for phase in ("phase1", "phase2", "phase3"):
        ours = load_checkpoint(story.art / "checkpoints" / VARIANT / f"{phase}.pt")
        ref = load_checkpoint(story.ref / f"{phase}.pt")
        assert ours["epoch"] == ref["epoch"] and ours["complete"] and ref["complete"]
        for part in ("models", "optimizers", "pools"):
            _assert_same(ours[part], ref[part], f"{phase}.{part}")


def test_kill_during_evaluate_leaves_nothing_that_looks_finished(story):
    kill = story.kills["evaluate"]
    assert _ran(kill.log)[-1] == TARGET
    assert not kill.seen["metrics"], "the killed evaluate wrote its metrics file"
    table = kill.seen["table"]
    if table is not None:  # written last and atomically: present means whole
        assert len(table) == 201 and table.iloc[-1]["image"] == "average", table.tail()
    assert all(isinstance(v, tuple) for v in kill.seen["pngs"].values()), kill.seen["pngs"]
    assert not [f for f in kill.seen["files"] if f.endswith(".tmp") and not Path(f).name.startswith(".")]
    assert TARGET not in kill.lock_stages and TARGET in kill.status
    # the rerun ran evaluate alone, and its numbers are a clean run's
    assert _ran(story.logs[3]) == [TARGET]
    ours = pd.read_csv(story.art / "eval" / VARIANT / "table.csv")
    ref = pd.read_csv(story.ref / "table.csv")
    pd.testing.assert_frame_equal(ours, ref, check_exact=True)
    metrics = json.loads((story.art / "eval" / VARIANT / "evaluate.json").read_text())
    avg = ref.iloc[-1]
    assert (metrics["psnr"], metrics["ssim"], metrics["ae"]) == (avg["psnr"], avg["ssim"], avg["ae"])
    assert len(list((story.art / "eval" / VARIANT / "images").glob("*.png"))) == 200
    assert not [f for f in _listing(story.art / "eval" / VARIANT) if f.endswith(".tmp")]


def test_no_stale_lock_blocks_a_rerun_and_the_end_is_up_to_date(story):
    dead = {kill.pid for kill in story.kills.values()}
    for i, (name, kill) in enumerate(story.kills.items()):
        # kill -9 left the dead run's read/write entries in DVC's rwlock file; the repo lock
        # (.dvc/tmp/lock) is an flock and went with the process
        assert f'"pid": {kill.pid}' in kill.rwlock, f"{name}: {kill.rwlock}"
        # the next run found the writer entries in its way dead and dropped them (DVC's own recovery)
        assert f"(Pid {kill.pid})" in story.logs[i + 1] and "had been killed" in story.logs[i + 1], name
    final = json.loads(story.final_rwlock)
    assert not final.get("write"), final
    # what is left are read entries of dead runs on code/params files no stage writes: they block no
    # reader, and DVC drops them the same way the moment a writer meets them
    left = {info["pid"] for infos in final.get("read", {}).values() for info in infos}
    assert left <= dead, left
    assert story.final_status == set(), story.final_status


def test_killed_stages_show_as_crashed_in_prefect_not_running(story):
    """Each killed stage's flow run is set Crashed when that stage runs again; none stays Running."""
    states = [(flow, state) for flow, _, state in story.flow_runs]
    assert not [run for run in story.flow_runs if run[2] == "RUNNING"], story.flow_runs
    for flow in ("ingest", "train-phase", "evaluate"):
        assert (flow, "CRASHED") in states, (flow, story.flow_runs)
        assert (flow, "COMPLETED") in states, (flow, story.flow_runs)
