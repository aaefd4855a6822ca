"""MLflow calls that must not stop training: a durable local spool of what did not reach the server, replayed when it answers.

A phase logs through `SpooledRun` instead of calling the Tracker directly. While the server
answers, each call goes straight through (with `Tracker.fail_fast`, so a dead server costs one
refused connection, not MLflow's default ~4 minutes of retries). When a call fails:

1. the call is appended to the spool, `<checkpoint dir>/<phase>.mlflow-spool.jsonl`, one JSON
   line per call, flushed and fsync'ed before the next epoch starts;
2. the server is marked down: later calls go to the spool without touching the network, and
   only every `retry_s` seconds one attempt replays the spool (oldest first);
3. when an attempt succeeds, the spool is replayed in order and removed;
4. at the end of the phase (`close`) one last replay; whatever is still spooled is listed in
   `<phase>.mlflow-undelivered.json` (run id, metric names and steps, tags, artifacts, the
   run's final status) and, when the server allows, in the run tag `mlflow_undelivered`.

The spool outlives the process: `drain(dir, tracker)` (called when the next phase of the variant
opens its runs, or a rerun of this one) replays any spool left in a checkpoint folder, and
rewrites or removes the undelivered record to match what is still missing.

A call the server answers with a refusal (HTTP 4xx: a deleted run, a value it rejects), or an
artifact whose file is gone by then, would fail forever and hold up the calls behind it: it moves to `<phase>.mlflow-rejected.jsonl` and
is listed in the undelivered record too.

Replaying is idempotent, so a crash between delivering and truncating the spool duplicates
nothing: a metric keeps the timestamp it was first logged with, and MLflow's store drops a
metric identical in (key, value, timestamp, step); tags and the final status are plain sets;
an artifact upload overwrites the same path.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nircolor.fsutil import atomic_write_text

if TYPE_CHECKING:  # pragma: no cover - typing only
    from flows.tracking.tracker import Tracker

log = logging.getLogger(__name__)

SPOOL_SUFFIX = ".mlflow-spool.jsonl"
UNDELIVERED_SUFFIX = ".mlflow-undelivered.json"
REJECTED_SUFFIX = ".mlflow-rejected.jsonl"
DEFAULT_RETRY_S = 10.0  # how long a server that failed a call is left alone
ARTIFACT_TIMEOUT_S = 120  # per request; a checkpoint upload is one long request


def spool_path(checkpoint: str | os.PathLike[str]) -> Path:
    """`…/phase1.pt` → `…/phase1.mlflow-spool.jsonl` (beside the checkpoint, outside DVC's outs)."""
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(checkpoint.stem + SPOOL_SUFFIX)


def undelivered_path(spool: Path) -> Path:
    return spool.with_name(spool.name[: -len(SPOOL_SUFFIX)] + UNDELIVERED_SUFFIX)


# --------------------------------------------------------------------------------------------
# The file


class Spool:
    """An append-only JSON-lines file of calls; each append is flushed and fsync'ed."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def append(self, entry: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def entries(self) -> list[dict[str, Any]]:
        """The spooled calls, oldest first. A torn last line (killed mid-append) is dropped with a warning."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                log.warning("%s:%d: unreadable spool line dropped (a write cut short?)", self.path, number)
        return out

    def rewrite(self, entries: list[dict[str, Any]]) -> None:
        """Keep exactly `entries` (atomic: a temporary file, fsync, rename); none left → no file."""
        if not entries:
            self.path.unlink(missing_ok=True)
            return
        atomic_write_text(self.path, "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in entries), fsync=True)

    def __len__(self) -> int:
        return len(self.entries())


# --------------------------------------------------------------------------------------------
# Delivering one spooled call


def _apply(tracker: Tracker, entry: Mapping[str, Any]) -> None:
    """Make the MLflow call an entry describes (raises whatever the client raises)."""
    op, run_id = entry["op"], entry["run_id"]
    if op == "metrics":
        tracker.log_metric_rows(run_id, entry["rows"])
    elif op == "tags":
        tracker.set_tags(run_id, entry["tags"])
    elif op == "artifact":
        path = Path(entry["path"])
        if not path.exists():  # deleted since (e.g. DVC removed an output before a rerun)
            raise Undeliverable(f"{path} no longer exists")
        with tracker.fail_fast(ARTIFACT_TIMEOUT_S):  # no retries, but a big upload may take its time
            tracker.log_artifact(run_id, path, entry.get("artifact_path"))
    elif op == "finish":
        tracker.finish(run_id, entry["status"])
    else:
        raise ValueError(f"unknown spooled call {op!r}")


class Undeliverable(Exception):
    """A spooled call that can never be made (its artifact file is gone)."""


def _rejected(err: BaseException) -> bool:
    """The server answered and refused this call (HTTP 4xx: a deleted run, a bad value), or it cannot be made.

    Sending it again would fail the same way and hold up everything behind it, so it leaves
    the spool for the rejected file. A refused connection or a 5xx is an outage, not this.
    """
    from mlflow.exceptions import MlflowException

    if isinstance(err, Undeliverable):
        return True
    if not isinstance(err, MlflowException):
        return False
    return 400 <= err.get_http_status_code() < 500 and err.error_code not in ("REQUEST_LIMIT_EXCEEDED",)


def rejected_path(spool: Path) -> Path:
    return spool.with_name(spool.name[: -len(SPOOL_SUFFIX)] + REJECTED_SUFFIX)


def replay(tracker: Tracker, spool: Spool) -> int:
    """Deliver the spool oldest first, stopping at the first failure; the number still spooled.

    A call the server rejects (see `_rejected`) moves to `<phase>.mlflow-rejected.jsonl`.
    """
    entries = spool.entries()
    done = 0
    try:
        with tracker.fail_fast():
            for entry in entries:
                try:
                    _apply(tracker, entry)
                except Exception as err:
                    if not _rejected(err):
                        raise
                    log.warning("MLflow rejected a spooled %s call for run %s: %s", entry["op"], entry["run_id"], _short(err))
                    Spool(rejected_path(spool.path)).append({**entry, "error": _short(err)})
                done += 1
    finally:
        if done:
            spool.rewrite(entries[done:])
    return len(entries) - done


def summarize(entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """What a list of spooled calls would have recorded: run ids, metric names by step, tags, artifacts, status."""
    runs: dict[str, dict[str, Any]] = {}
    for entry in entries:
        run = runs.setdefault(entry["run_id"], {"metrics": {}, "tags": [], "artifacts": [], "status": None})
        if entry["op"] == "metrics":
            for key, _value, _ts, step in entry["rows"]:
                run["metrics"].setdefault(str(step), []).append(key)
        elif entry["op"] == "tags":
            run["tags"].extend(k for k in entry["tags"] if k not in run["tags"])
        elif entry["op"] == "artifact":
            run["artifacts"].append(f"{entry.get('artifact_path') or '.'}/{Path(entry['path']).name}")
        elif entry["op"] == "finish":
            run["status"] = entry["status"]
    for run in runs.values():
        run["metrics"] = {step: sorted(keys) for step, keys in sorted(run["metrics"].items(), key=lambda kv: int(kv[0]))}
    return runs


def _write_record(spool: Spool, uri: str, remaining: list[dict[str, Any]]) -> Path | None:
    """The undelivered record beside the spool, rewritten to match it (removed once nothing is left)."""
    record = undelivered_path(spool.path)
    rejected = Spool(rejected_path(spool.path)).entries()
    if not remaining and not rejected:
        record.unlink(missing_ok=True)
        return None
    body = {
        "tracking_uri": uri,
        "spool": str(spool.path),
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "note": "these MLflow calls never reached the server; they are replayed from the spool "
        "when the next phase of this variant starts (or flows.tracking.spool.drain is called)",
        "runs": summarize(remaining),
    }
    if rejected:
        body["rejected"] = {"file": str(rejected_path(spool.path)), "runs": summarize(rejected)}
    atomic_write_text(record, json.dumps(body, indent=2) + "\n")
    return record


def drain(directory: str | os.PathLike[str], tracker: Tracker) -> dict[str, int]:
    """Replay every spool left in `directory`; {spool file name: calls still undelivered}.

    Never raises for a server that is still down: the spool and its record stay for next time.
    """
    left: dict[str, int] = {}
    for path in sorted(Path(directory).glob(f"*{SPOOL_SUFFIX}")):
        spool = Spool(path)
        before = spool.entries()
        try:
            remaining = replay(tracker, spool)
        except Exception as err:  # noqa: BLE001 - a dead server is an expected state here
            log.warning("MLflow still unreachable; %s keeps %d calls: %s", path.name, len(before), _short(err))
            remaining = len(spool.entries())
        rest = spool.entries()
        _write_record(spool, tracker.uri, rest)
        if remaining < len(before):
            log.info("delivered %d spooled MLflow calls from %s", len(before) - remaining, path.name)
            for run_id in {e["run_id"] for e in before}:
                _tag_quietly(tracker, run_id, _undelivered_tag(rest, run_id))
        left[path.name] = remaining
    return left


def _undelivered_tag(remaining: list[dict[str, Any]], run_id: str) -> dict[str, str]:
    mine = summarize(e for e in remaining if e["run_id"] == run_id).get(run_id)
    if not mine:
        return {"mlflow_undelivered": "none"}
    steps = list(mine["metrics"])
    text = f"{sum(len(k) for k in mine['metrics'].values())} metrics"
    if steps:
        text += f" at steps {steps[0]}-{steps[-1]}" if len(steps) > 1 else f" at step {steps[0]}"
    if mine["artifacts"]:
        text += f", {len(mine['artifacts'])} artifacts"
    if mine["status"]:
        text += f", final status {mine['status']}"
    return {"mlflow_undelivered": text}


def _tag_quietly(tracker: Tracker, run_id: str, tags: Mapping[str, str]) -> bool:
    try:
        with tracker.fail_fast():
            tracker.set_tags(run_id, tags)
        return True
    except Exception:  # noqa: BLE001 - best effort: the file record is the authoritative one
        return False


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0][:200] if text else ''}"


# --------------------------------------------------------------------------------------------
# One run's calls during a phase


class SpooledRun:
    """The MLflow calls of one phase run that must never stop training; see the module docstring.

    `clock` is injectable for tests; `retry_s` is how long the server stays marked down before
    the next delivery attempt (every call in between is spooled without touching the network).
    """

    def __init__(
        self,
        tracker: Tracker,
        run_id: str,
        spool: str | os.PathLike[str],
        *,
        retry_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.tracker = tracker
        self.run_id = run_id
        self.spool = Spool(spool)
        self.retry_s = DEFAULT_RETRY_S if retry_s is None else retry_s
        self._clock = clock
        self._warn = warn or log.warning
        self._retry_at: float | None = None  # None: the server is taken to be up
        self.failures = 0  # delivery attempts that failed
        self.outages = 0  # up → down transitions

    @property
    def up(self) -> bool:
        return self._retry_at is None

    # -- the calls -------------------------------------------------------------------------------

    def log_epoch(self, epoch: int, record: Mapping[str, Any]) -> bool:
        """`train/<name>` metrics at step = epoch; True when they reached the server now."""
        rows = self.tracker.epoch_rows(epoch, record)
        return self._call({"op": "metrics", "run_id": self.run_id, "rows": rows})

    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> bool:
        return self._call({"op": "metrics", "run_id": self.run_id, "rows": self.tracker.metric_rows(metrics, step)})

    def set_tags(self, tags: Mapping[str, Any]) -> bool:
        from flows.tracking.values import as_text

        return self._call({"op": "tags", "run_id": self.run_id, "tags": {k: as_text(v) for k, v in tags.items()}})

    def log_artifact(self, path: str | os.PathLike[str], artifact_path: str | None = None) -> bool:
        """Spooled by path: the file must still exist when the server returns (checkpoints do)."""
        entry = {"op": "artifact", "run_id": self.run_id, "path": str(Path(path).resolve()), "artifact_path": artifact_path}
        return self._call(entry)

    def finish(self, status: str = "FINISHED") -> bool:
        return self._call({"op": "finish", "run_id": self.run_id, "status": status})

    # -- delivery --------------------------------------------------------------------------------

    def _call(self, entry: dict[str, Any]) -> bool:
        if self.up and not self.spool.path.exists():
            try:
                with self.tracker.fail_fast():
                    _apply(self.tracker, entry)
                return True
            except Exception as err:  # noqa: BLE001 - tracking must never stop training
                self.spool.append(entry)
                self._went_down(err)
                return False
        self.spool.append(entry)  # behind what is already waiting: order is kept
        if self._due():
            self.flush()
        return not self.spool.path.exists()

    def _due(self) -> bool:
        return self._retry_at is None or self._clock() >= self._retry_at

    def flush(self) -> int:
        """Replay the spool now (whatever the retry clock says); the number of calls still spooled."""
        if not self.spool.path.exists():
            return 0
        before = len(self.spool)
        try:
            remaining = replay(self.tracker, self.spool)
        except Exception as err:  # noqa: BLE001
            self._went_down(err)
            return len(self.spool)
        if self._retry_at is not None:
            self._warn(f"MLflow at {self.tracker.uri} answers again; delivered {before} spooled calls")
        self._retry_at = None
        return remaining

    def _went_down(self, err: BaseException) -> None:
        self.failures += 1
        if self._retry_at is None:
            self.outages += 1
            self._warn(
                f"MLflow at {self.tracker.uri} unreachable ({_short(err)}); training goes on, calls are "
                f"spooled to {self.spool.path} and retried every {self.retry_s:g} s"
            )
        self._retry_at = self._clock() + self.retry_s

    def close(self) -> dict[str, Any]:
        """Last replay; what is still spooled goes into the undelivered record (and a run tag if possible).

        Returns {"undelivered": n calls, "lost_steps": [epochs with undelivered metrics], "record": path|None}.
        """
        remaining = self.flush()
        entries = self.spool.entries()
        record = _write_record(self.spool, self.tracker.uri, entries)
        mine = summarize(e for e in entries if e["run_id"] == self.run_id).get(self.run_id, {})
        steps = sorted(int(s) for s in mine.get("metrics", {}))
        if record is not None:
            self._warn(f"{remaining} MLflow calls not delivered (metrics at steps {steps}); listed in {record}")
            _tag_quietly(self.tracker, self.run_id, _undelivered_tag(entries, self.run_id))
        return {"undelivered": remaining, "lost_steps": steps, "record": str(record) if record else None}
