"""Tracking outages with real servers: MLflow and Prefect stopped before a run and in the middle of a training phase.

One MLflow server and one Prefect server per module (subprocesses on free loopback ports). A
hook on the train flow's epoch logging kills a server (SIGKILL of its process group, i.e. a
crash) after epoch 1 and, in one test, starts it again after epoch 2, while a 4-epoch tiny
phase trains. The assertions read the servers' own stores afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.recipes import TINY_OVERRIDES

REPO = Path(__file__).resolve().parents[2]
EPOCHS = 4
KILL_AFTER, RESTART_AFTER = 1, 2  # epochs


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - loopback
            return resp.status == 200
    except OSError:
        return False


class ServerProcess:
    """A server in its own process group: start() waits for its health URL, stop() kills the group."""

    def __init__(self, name: str, argv: list[str], health: str, env: dict[str, str], log: Path) -> None:
        self.name, self.argv, self.health, self.env, self.log = name, argv, health, env, log
        self.proc: subprocess.Popen | None = None

    def spawn(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip

    def wait(self, timeout_s: float = 90.0) -> float:
        t0 = time.monotonic()
        while not healthy(self.health):
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            if time.monotonic() - t0 > timeout_s:
                raise RuntimeError(f"{self.name} not healthy after {timeout_s} s: {self.log.read_text()[-2000:]}")
            time.sleep(0.2)
        return time.monotonic() - t0

    def start(self) -> float:
        self.spawn()
        return self.wait()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGKILL)  # a crash, not a clean shutdown
        self.proc.wait(timeout=10)
        t0 = time.monotonic()
        while healthy(self.health) and time.monotonic() - t0 < 5:
            time.sleep(0.1)

    def ensure_up(self) -> None:
        if self.proc is None or self.proc.poll() is not None or not healthy(self.health):
            self.stop()
            self.start()


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """{"mlflow": ServerProcess, "prefect": ServerProcess}, both started at once, both stopped at the end."""
    root = tmp_path_factory.mktemp("outage-servers")
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "MLFLOW_TRACKING_URI")}
    env.update(PREFECT_HOME=str(root / ".prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
               MLFLOW_DISABLE_TELEMETRY="true", MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")  # fmt: skip
    mp, pp = free_port(), free_port()
    mlflow = ServerProcess(
        "mlflow",
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", f"sqlite:///{root}/mlflow.db",
         "--default-artifact-root", (root / "mlartifacts").as_uri(), "--host", "127.0.0.1", "--port", str(mp),
         "--workers", "1"],
        f"http://127.0.0.1:{mp}/health", env, root / "mlflow.log",
    )  # fmt: skip
    prefect_env = {**env, "PREFECT_UI_API_URL": f"http://127.0.0.1:{pp}/api"}
    prefect = ServerProcess(
        "prefect",
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(pp)],
        f"http://127.0.0.1:{pp}/api/health", prefect_env, root / "prefect.log",
    )  # fmt: skip
    t0 = time.monotonic()
    try:
        mlflow.spawn()
        prefect.spawn()
        mlflow.wait()
        prefect.wait()
        print(f"\nservers up after {time.monotonic() - t0:.1f} s")
        yield {"mlflow": mlflow, "prefect": prefect, "mlflow_uri": f"http://127.0.0.1:{mp}",
               "prefect_api": f"http://127.0.0.1:{pp}/api"}  # fmt: skip
    finally:
        try:  # Prefect sends logs and events from background workers: let them finish while a
            # server answers, or the interpreter's exit waits minutes on their retries
            prefect.ensure_up()
            drain_prefect_workers()
        finally:
            mlflow.stop()
            prefect.stop()


def drain_prefect_workers(timeout_s: float = 15.0) -> None:
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=timeout_s)


@pytest.fixture(scope="module")
def packed_dir(tiny_dataset, tmp_path_factory) -> str:
    from nircolor.data.packed import pack_dataset
    from nircolor.data.validate import validate_dataset

    out = tmp_path_factory.mktemp("outage-packed")
    pack_dataset(validate_dataset(tiny_dataset), out)
    return str(out)


@pytest.fixture
def pointed(servers, monkeypatch):
    """This test's client settings: MLflow and Prefect at the module's servers (both running)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    servers["mlflow"].ensure_up()
    servers["prefect"].ensure_up()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", servers["mlflow_uri"])
    with temporary_settings({PREFECT_API_URL: servers["prefect_api"]}):
        yield servers


def recipe(name: str):
    from nircolor.config import load_config

    return load_config(None, {**TINY_OVERRIDES, "schedule.phase1": EPOCHS, "tracking.experiment": name})


def run_train(cfg, packed_dir: str, ckpt_dir: Path):
    from flows.common import run_flow, run_tags
    from flows.train import train_phase_flow

    tags = run_tags("phase1", "dense", "phase1")
    return run_flow(train_phase_flow, tags, cfg=cfg, variant="dense", phase="phase1", packed_dir=packed_dir,
                    checkpoint=str(ckpt_dir / "phase1.pt"), init=None, tags=tags)  # fmt: skip


@pytest.fixture
def epoch_hook(monkeypatch):
    """hook(actions) → timings: `actions[epoch]()` runs right after that epoch's MLflow logging call.

    timings[epoch] is how long the logging call itself took (what an outage adds to an epoch).
    """
    from flows.tracking import spool

    # a short retry interval, so a server that returns mid-phase is noticed within the 6 epochs
    monkeypatch.setattr(spool, "DEFAULT_RETRY_S", 0.5)
    timings: dict[int, float] = {}
    seen: list = []

    def install(actions):
        real = spool.SpooledRun.log_epoch

        def log_epoch(self, epoch, record):
            t0 = time.perf_counter()
            try:
                return real(self, epoch, record)
            finally:
                timings[epoch] = time.perf_counter() - t0
                seen.append(self)
                if epoch in actions:
                    actions[epoch]()

        monkeypatch.setattr(spool.SpooledRun, "log_epoch", log_epoch)
        return timings, seen

    return install


def metric_steps(client, run_id: str) -> dict[str, list[int]]:
    run = client.get_run(run_id)
    return {key: [m.step for m in client.get_metric_history(run_id, key)] for key in run.data.metrics}


# -- down before the run ------------------------------------------------------------------------


def test_mlflow_down_at_start_fails_in_seconds_naming_the_uri(pointed, packed_dir, tmp_path, monkeypatch):
    from flows.tracking import TrackingUnavailable
    from flows.train import train_phase_flow

    dead = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", dead)
    ckpt = tmp_path / "ckpt"
    t0 = time.monotonic()
    with pytest.raises(TrackingUnavailable, match=f"MLflow tracking server {dead} is unreachable"):
        run_train(recipe("outage-start"), packed_dir, ckpt)  # the pipeline stage's entry point
    staged = time.monotonic() - t0
    t0 = time.monotonic()
    with pytest.raises(TrackingUnavailable, match=dead):  # the flow alone: its first task checks
        train_phase_flow(cfg=recipe("outage-start"), variant="dense", phase="phase1", packed_dir=packed_dir,
                         checkpoint=str(ckpt / "phase1.pt"), init=None, tags={})  # fmt: skip
    direct = time.monotonic() - t0
    print(f"\nMLflow down at start: run_flow failed after {staged:.2f} s, the bare flow after {direct:.2f} s")
    assert staged < 10 and direct < 10
    assert not ckpt.exists() or not any(ckpt.iterdir()), "no training work before the check"


def test_prefect_down_at_start_fails_in_seconds_naming_the_url(pointed, packed_dir, tmp_path):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.common import PrefectUnavailable

    dead = f"http://127.0.0.1:{free_port()}/api"
    ckpt = tmp_path / "ckpt"
    with temporary_settings({PREFECT_API_URL: dead}):
        t0 = time.monotonic()
        with pytest.raises(PrefectUnavailable, match=f"Prefect API {dead} is unreachable"):
            run_train(recipe("outage-start"), packed_dir, ckpt)
        elapsed = time.monotonic() - t0
    print(f"\nPrefect down at start: failed after {elapsed:.2f} s")
    assert elapsed < 10
    assert not ckpt.exists()


# -- down mid-phase ------------------------------------------------------------------------------


def _flow_run_state(api: str, flow_run_id: str) -> str:
    with urllib.request.urlopen(f"{api}/flow_runs/{flow_run_id}", timeout=10) as resp:  # noqa: S310
        return json.loads(resp.read())["state"]["type"]


def test_both_servers_crash_mid_phase_and_return(pointed, packed_dir, tmp_path, epoch_hook):
    """Both killed after epoch 1, both started again after epoch 2: nothing is lost, nothing doubled."""
    from flows.tracking import Tracker

    servers = (pointed["mlflow"], pointed["prefect"])
    restart: dict[str, float] = {}

    def crash():
        for server in servers:
            server.stop()

    def back():
        t0 = time.monotonic()
        for server in servers:  # both start at once
            server.spawn()
        for server in servers:
            server.wait()
        restart["s"] = time.monotonic() - t0

    timings, seen = epoch_hook({KILL_AFTER: crash, RESTART_AFTER: back})
    ckpt = tmp_path / "ckpt"
    t0 = time.monotonic()
    out = run_train(recipe("outage-both-return"), packed_dir, ckpt)
    elapsed = time.monotonic() - t0

    assert len(out["history"]) == EPOCHS and (ckpt / "phase1.pt").is_file()
    assert out["lost_epochs"] == [] and out["mlflow_undelivered"] is None and "prefect_state_lost" not in out
    assert not list(ckpt.glob("*.mlflow-*")), "spool delivered and removed"
    assert seen[0].outages == 1 and seen[0].failures >= 1  # the outage really happened
    tracker = Tracker("outage-both-return", uri=pointed["mlflow_uri"])
    steps = metric_steps(tracker.client, out["mlflow_run_id"])
    assert steps and all(s == list(range(1, EPOCHS + 1)) for s in steps.values()), steps  # all, once each
    losses = [m.value for m in tracker.client.get_metric_history(out["mlflow_run_id"], "train/loss_g")]
    assert losses == pytest.approx([r["loss_g"] for r in out["history"]])
    run = tracker.client.get_run(out["mlflow_run_id"])
    assert run.info.status == "FINISHED"
    assert [f.path for f in tracker.client.list_artifacts(out["mlflow_run_id"], "checkpoints")] == ["checkpoints/phase1.pt"]
    assert _flow_run_state(pointed["prefect_api"], out["prefect_flow_run_id"]) == "COMPLETED"
    down = [timings[e] for e in range(KILL_AFTER + 1, RESTART_AFTER + 1)]
    print(f"\nMLflow + Prefect down after epoch {KILL_AFTER}, back after {RESTART_AFTER} (restart {restart['s']:.1f} s): "
          f"flow {elapsed:.1f} s; logging call per epoch while down: {', '.join(f'{t * 1000:.0f} ms' for t in down)}")  # fmt: skip
    assert max(down) < 1.0


def test_mlflow_down_to_the_end_of_the_phase_records_exactly_what_is_missing(pointed, packed_dir, tmp_path, epoch_hook):
    from flows.tracking import Tracker
    from flows.train import open_runs

    mlflow = pointed["mlflow"]
    timings, _ = epoch_hook({KILL_AFTER: mlflow.stop})
    ckpt = tmp_path / "ckpt"
    cfg = recipe("outage-mlflow-stays-down")
    t0 = time.monotonic()
    out = run_train(cfg, packed_dir, ckpt)
    elapsed = time.monotonic() - t0

    missing = list(range(KILL_AFTER + 1, EPOCHS + 1))
    assert len(out["history"]) == EPOCHS and (ckpt / "phase1.pt").is_file()
    assert out["lost_epochs"] == missing
    record = json.loads(Path(out["mlflow_undelivered"]).read_text())
    assert record["tracking_uri"] == pointed["mlflow_uri"]
    run_id = out["mlflow_run_id"]
    pending = record["runs"][run_id]
    keys = sorted((f"val/{k[4:]}" if k.startswith("val_") else f"train/{k}")
                  for k, v in out["history"][0].items() if k != "epoch" and not isinstance(v, (str, bool)))  # fmt: skip
    assert pending["metrics"] == {str(e): keys for e in missing}  # exactly the epochs after the crash
    assert pending["status"] == "FINISHED" and pending["artifacts"] == ["checkpoints/phase1.pt"]
    print(f"\nMLflow down from epoch {KILL_AFTER + 1} to the end: phase took {elapsed:.1f} s; logging call per "
          f"epoch while down: {', '.join(f'{timings[e] * 1000:.0f} ms' for e in missing)}")  # fmt: skip
    assert max(timings[e] for e in missing) < 1.0

    # the server returns; the next phase of the variant opens its runs and delivers the spool first
    mlflow.start()
    runs = open_runs.fn(cfg, "dense", "phase2", str(ckpt / "phase2.pt"), str(ckpt / "phase1.pt"), {}, "RGB-Online")
    assert not list(ckpt.glob("*.mlflow-*")), "spool and record removed once delivered"
    tracker = Tracker(cfg.tracking.experiment, uri=pointed["mlflow_uri"])
    steps = metric_steps(tracker.client, run_id)
    assert set(steps) == set(keys) and all(s == list(range(1, EPOCHS + 1)) for s in steps.values()), steps
    run = tracker.client.get_run(run_id)
    assert run.info.status == "FINISHED" and run.data.tags["mlflow_undelivered"] == "none"
    assert [f.path for f in tracker.client.list_artifacts(run_id, "checkpoints")] == ["checkpoints/phase1.pt"]
    assert runs["mlflow_parent_run_id"] == run.data.tags["mlflow.parentRunId"]


def test_prefect_down_to_the_end_returns_the_work_and_records_the_lost_state(pointed, packed_dir, tmp_path, epoch_hook):
    from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    from flows.tracking import Tracker

    prefect = pointed["prefect"]
    epoch_hook({KILL_AFTER: prefect.stop})
    ckpt = tmp_path / "ckpt"
    t0 = time.monotonic()
    # one retry (~2 s) instead of the default five (~1 min) before Prefect gives up on the final state
    with temporary_settings({PREFECT_CLIENT_MAX_RETRIES: 1}):
        out = run_train(recipe("outage-prefect-stays-down"), packed_dir, ckpt)
    elapsed = time.monotonic() - t0

    assert len(out["history"]) == EPOCHS and (ckpt / "phase1.pt").is_file()
    flow_run_id = out["prefect_flow_run_id"]
    assert flow_run_id in out["prefect_state_lost"]
    tracker = Tracker("outage-prefect-stays-down", uri=pointed["mlflow_uri"])
    run = tracker.client.get_run(out["mlflow_run_id"])
    assert run.info.status == "FINISHED"
    assert flow_run_id in run.data.tags["prefect_state_lost"]
    assert flow_run_id in tracker.client.get_run(out["mlflow_parent_run_id"]).data.tags["prefect_state_lost"]
    print(f"\nPrefect down from epoch {KILL_AFTER + 1} to the end: flow returned after {elapsed:.1f} s "
          "with prefect_state_lost")
    prefect.start()  # what the server kept: the run it never heard the end of
    assert _flow_run_state(pointed["prefect_api"], flow_run_id) == "RUNNING"


# -- the spool on its own (a SQLite store, failures injected; no servers) -------------------------


def test_spool_keeps_order_and_drops_only_a_torn_last_line(tmp_path, caplog):
    from flows.tracking.spool import Spool

    spool = Spool(tmp_path / "phase1.mlflow-spool.jsonl")
    for i in range(3):
        spool.append({"op": "tags", "run_id": "r", "tags": {"i": str(i)}})
    with open(spool.path, "a") as fh:
        fh.write('{"op": "tags", "run_id": "r", "ta')  # killed mid-append
    assert [e["tags"]["i"] for e in spool.entries()] == ["0", "1", "2"]
    assert "unreadable spool line" in caplog.text
    spool.rewrite(spool.entries()[1:])
    assert len(spool) == 2
    spool.rewrite([])
    assert not spool.path.exists()


def test_a_down_server_is_left_alone_between_retries_and_replays_are_idempotent(tracker, tmp_path):
    from flows.tracking.spool import Spool, SpooledRun, replay

    run_id = tracker.start_phase(tracker.variant_run("dense"), "dense", "phase1", {})
    real = tracker.log_metric_rows
    state = {"down": False, "attempts": 0}

    def log_metric_rows(rid, rows):
        state["attempts"] += 1
        if state["down"]:
            raise ConnectionError("connection refused")
        real(rid, rows)

    tracker.log_metric_rows = log_metric_rows
    now = [0.0]
    sink = SpooledRun(tracker, run_id, tmp_path / "phase1.mlflow-spool.jsonl", retry_s=10, clock=lambda: now[0])
    record = {"loss_g": 1.0, "lr": 2e-4, "mode": "paired"}

    assert sink.log_epoch(1, record) and state["attempts"] == 1
    state["down"] = True
    assert not sink.log_epoch(2, record) and state["attempts"] == 2  # fails once: marked down
    now[0] = 5.0
    assert not sink.log_epoch(3, record) and state["attempts"] == 2  # inside retry_s: no network call
    now[0] = 11.0
    assert not sink.log_epoch(4, record) and state["attempts"] == 3  # one retry, still down
    assert [e["rows"][0][3] for e in sink.spool.entries()] == [2, 3, 4]
    state["down"] = False
    now[0] = 22.0
    assert sink.log_epoch(5, record)  # the spool goes first, then epoch 5
    assert not sink.spool.path.exists() and sink.up and sink.outages == 1

    steps = [m.step for m in tracker.client.get_metric_history(run_id, "train/loss_g")]
    assert steps == [1, 2, 3, 4, 5]
    # killed after delivering but before truncating: the same calls are sent again, stored once
    again = Spool(tmp_path / "again.mlflow-spool.jsonl")
    rows = tracker.epoch_rows(6, record)
    for _ in range(2):
        again.append({"op": "metrics", "run_id": run_id, "rows": rows})
    assert replay(tracker, again) == 0
    steps = [m.step for m in tracker.client.get_metric_history(run_id, "train/loss_g")]
    assert steps == [1, 2, 3, 4, 5, 6]


def test_a_call_the_server_refuses_moves_aside_and_is_recorded(tracker, tmp_path):
    from flows.tracking.spool import Spool, drain

    run_id = tracker.start_phase(tracker.variant_run("dense"), "dense", "phase1", {})
    spool = Spool(tmp_path / "phase1.mlflow-spool.jsonl")
    spool.append({"op": "metrics", "run_id": "f" * 32, "rows": [["train/loss_g", 1.0, 1, 1]]})  # no such run
    spool.append({"op": "artifact", "run_id": run_id, "path": str(tmp_path / "gone.pt"), "artifact_path": "checkpoints"})
    spool.append({"op": "metrics", "run_id": run_id, "rows": [["train/loss_g", 2.0, 2, 2]]})
    assert drain(tmp_path, tracker) == {"phase1.mlflow-spool.jsonl": 0}
    assert [m.step for m in tracker.client.get_metric_history(run_id, "train/loss_g")] == [2]  # not held up
    record = json.loads((tmp_path / "phase1.mlflow-undelivered.json").read_text())
    assert record["runs"] == {}
    assert record["rejected"]["runs"]["f" * 32]["metrics"] == {"1": ["train/loss_g"]}
    assert record["rejected"]["runs"][run_id]["artifacts"] == ["checkpoints/gone.pt"]
    assert len(Spool(tmp_path / "phase1.mlflow-rejected.jsonl")) == 2


def test_data_parallel_phase_through_the_flow_logs_every_epoch(pointed, packed_dir, tmp_path):
    """`train.nproc: 2` (the params switch): the flow starts torchrun (2 gloo ranks); rank 0's
    epochs reach MLflow as they finish, the checkpoint is written once, the run finishes.
    (Kept beside the outage tests to share their real servers.)"""
    from flows.tracking import Tracker
    from nircolor.config import load_config

    cfg = load_config(None, {**TINY_OVERRIDES, "schedule.phase1": 2, "train.nproc": 2, "train.pool_size": 0,
                             "train.num_threads": 1, "tracking.experiment": "ddp-flow"})  # fmt: skip
    ckpt = tmp_path / "ckpt"
    out = run_train(cfg, packed_dir, ckpt)
    assert [r["epoch"] for r in out["history"]] == [1, 2]
    assert sorted(p.name for p in ckpt.iterdir()) == ["phase1.pt"]
    tracker = Tracker("ddp-flow", uri=pointed["mlflow_uri"])
    steps = metric_steps(tracker.client, out["mlflow_run_id"])
    assert steps and all(s == [1, 2] for s in steps.values()), steps
    run = tracker.client.get_run(out["mlflow_run_id"])
    assert run.info.status == "FINISHED" and run.data.params["train.nproc"] == "2"


def test_starts_through_the_flow_tag_the_kept_seed(pointed, tiny_dataset, tmp_path):
    """`train.starts: 2` through the phase flow: the held-out pairs of the pack choose, the MLflow phase run
    holds the choice as tags and `train.starts` as a param. (Kept here to share the real servers.)"""
    from flows.tracking import Tracker
    from nircolor.config import load_config
    from nircolor.data.packed import pack_dataset
    from nircolor.data.validate import validate_dataset
    from nircolor.training.checkpoint import load_checkpoint

    packed = tmp_path / "packed"
    pack_dataset(validate_dataset(tiny_dataset), packed, holdout_pairs=2)
    cfg = load_config(None, {**TINY_OVERRIDES, "schedule.phase1": 2, "ingest.holdout_pairs": 2, "train.starts": 2,
                             "train.start_epochs": 1, "tracking.experiment": "starts-flow"})  # fmt: skip
    out = run_train(cfg, str(packed), tmp_path / "ckpt")
    start = load_checkpoint(tmp_path / "ckpt" / "phase1.pt")["start"]
    assert start["seeds"] == [0, 1] and len(out["history"]) == 2
    run = Tracker("starts-flow", uri=pointed["mlflow_uri"]).client.get_run(out["mlflow_run_id"])
    assert run.data.tags["start_seed"] == str(start["seed"]) and run.data.tags["start_seeds"] == "[0, 1]"
    assert json.loads(run.data.tags["start_heldout_psnr"]) == pytest.approx(start["scores"])
    assert run.data.params["train.starts"] == "2"
