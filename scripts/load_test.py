"""Load test of the served nir-colorizer: concurrent clients, every answer checked, latency percentiles.

Starts `mlflow models serve` for a registered model on 127.0.0.1 (or targets a running server
with --url), then C clients each send R requests at once. A valid request carries one NIR PNG
(sizes from --sizes, drawn from a fixed seeded pool); its answer must be HTTP 200 and decode to
the same RGB image as the same model predicts in this process, within --tolerance 8-bit levels.
A fraction (--invalid-fraction) of requests are invalid on purpose (bad base64, not an image,
a colour image, an alpha channel, an image over the pixel limit, too many rows, no `image`
column, broken JSON); each must get a 4xx whose message names the problem. Reports latency
p50/p95/p99 and throughput, and writes everything to --json.

    python scripts/load_test.py --demo --clients 8 --requests 200 --sizes 64 --json load.json
    python scripts/load_test.py --model-uri models:/nir-colorizer@champion --sizes 256
    python scripts/load_test.py --url http://127.0.0.1:5001 --model-uri models:/nir-colorizer@champion

--demo registers a seeded, randomly initialised generator (--demo-ngf, --demo-image-size) in
a throwaway store: it measures serving, not colour quality. Otherwise MLFLOW_TRACKING_URI (or
the repository's mlflow.db) names the store. Exit status 0 only when every request got the
expected answer. Stdlib, numpy and Pillow only (besides the project).
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import contextlib
import http.client
import io
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from flows.registry import SERVE_HOST, model_server_command
from nircolor.environment import quiet_environment
from nircolor.serving import MAX_PIXELS, MAX_ROWS

JSON = "application/json"
# What each kind of invalid request must get: the status range and a fragment of the message.
INVALID_KINDS = ("bad-base64", "not-an-image", "colour", "alpha", "too-large", "too-many-rows", "no-image-column",
                 "broken-json")  # fmt: skip


# --------------------------------------------------------------------------------------------
# Requests


def png_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def body(images: list[bytes], column: str = "image") -> bytes:
    rows = [[base64.b64encode(b).decode("ascii")] for b in images]
    return json.dumps({"dataframe_split": {"columns": [column], "data": rows}}).encode()


def nir_image(rng: np.random.Generator, size: int) -> np.ndarray:
    """A NIR-like test image: smooth structure plus noise, so PNGs have realistic sizes."""
    y, x = np.mgrid[0:size, 0:size] / max(size, 1)
    fx, fy, phase = rng.uniform(1, 6, 3)
    smooth = 0.5 + 0.35 * np.sin(2 * np.pi * (fx * x + fy * y) + phase)
    noise = rng.normal(0, 0.08, (size, size))
    return (np.clip(smooth + noise, 0, 1) * 255).round().astype(np.uint8)


@dataclass
class Valid:
    size: int
    body: bytes
    expected: np.ndarray  # (H, W, 3) uint8: the in-process prediction


@dataclass
class Invalid:
    kind: str
    body: bytes
    content_type: str
    fragment: str  # the message must contain this (case-insensitive)


def invalid_requests(max_pixels: int, max_rows: int) -> list[Invalid]:
    rng = np.random.default_rng(1)
    small = png_bytes(np.full((8, 8), 100, np.uint8))
    side = int(np.sqrt(max_pixels)) + 1  # over the limit whatever the padding
    colour = png_bytes(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8))
    rgba = io.BytesIO()
    Image.new("RGBA", (16, 16), (10, 20, 30, 128)).save(rgba, format="PNG")
    not_b64 = json.dumps({"dataframe_split": {"columns": ["image"], "data": [["this is not base64!"]]}}).encode()
    made = [
        Invalid("bad-base64", not_b64, JSON, "not valid base64"),
        Invalid("not-an-image", body([b"just some text, not an image file"]), JSON, "not an image"),
        Invalid("colour", body([colour]), JSON, "3 unequal channels"),
        Invalid("alpha", body([rgba.getvalue()]), JSON, "alpha channel"),
        Invalid("too-large", body([png_bytes(np.zeros((side, side), np.uint8))]), JSON, "too large"),
        Invalid("too-many-rows", body([small] * (max_rows + 1)), JSON, f"at most {max_rows} images"),
        Invalid("no-image-column", body([small], column="picture"), JSON, "missing inputs"),
        Invalid("broken-json", b'{"dataframe_split": {"columns": ["image"], "data": [[', JSON, "valid JSON"),
    ]
    assert tuple(r.kind for r in made) == INVALID_KINDS
    return made


def decode_answer(payload: bytes) -> list[np.ndarray]:
    """The images of a 200 answer, checked against their height/width fields."""
    predictions = json.loads(payload)["predictions"]
    images = []
    for row in predictions:
        rgb = np.asarray(Image.open(io.BytesIO(base64.b64decode(row["image"]))))
        if rgb.shape != (row["height"], row["width"], 3):
            raise ValueError(f"image {rgb.shape} does not match height/width {row['height']}×{row['width']}")
        images.append(rgb)
    return images


# --------------------------------------------------------------------------------------------
# The model: a throwaway demo registration, and the in-process reference


def register_demo_model(root: Path, ngf: int, image_size: int, variant: str, seed: int) -> tuple[str, str]:
    """(tracking URI, model URI) of a seeded random-init generator registered in a store under `root`."""
    import torch

    from flows.common import tracking_config
    from flows.registry import register_generator
    from flows.tracking import Tracker
    from nircolor.config import load_config
    from nircolor.models import build_generator, generator_options
    from nircolor.models.patchgan import build_discriminator
    from nircolor.training.checkpoint import save_checkpoint

    cfg = load_config(None, {"model.ngf": ngf, "model.ndf": 4, "model.image_size": image_size})
    m = cfg.model
    torch.manual_seed(seed)
    gen = generator_options(m)
    disc = dict(ndf=m.ndf, n_layers=m.disc_layers, init_std=m.init_std)
    models = {
        "g_nir2rgb": build_generator(variant, 1, 3, **gen).state_dict(),
        "g_rgb2nir": build_generator(variant, 3, 1, **gen).state_dict(),
        "d_rgb": build_discriminator(3, **disc).state_dict(),
        "d_nir": build_discriminator(1, **disc).state_dict(),
    }
    ckpt = save_checkpoint(
        {"variant": variant, "phase": "phase1", "epoch": 0, "complete": False,
         "config": cfg.model_dump(mode="json"), "models": models},  # fmt: skip
        root / "demo" / "phase1.pt",
    )
    uri = f"sqlite:///{root}/mlflow.db"
    tracker = Tracker(uri=uri)
    parent = tracker.variant_run(variant)
    run = tracker.start_phase(parent, variant, "phase1", {"model": {"ngf": ngf, "image_size": image_size}})
    name = tracking_config().registered_model
    register_generator(tracker, run, ckpt, variant=variant, registered_model=name)
    tracker.finish(run)
    return uri, f"models:/{name}@{variant}"


def reference_model(model_uri: str) -> Any:
    from flows.tracking import import_mlflow

    mlflow = import_mlflow()
    try:
        return mlflow.pyfunc.load_model(model_uri)
    except mlflow.exceptions.MlflowException as err:
        raise SystemExit(f"load_test: cannot load {model_uri} (store {mlflow.get_tracking_uri()}): {err.message}") from None


def valid_pool(model: Any, sizes: list[int], distinct: int, seed: int) -> list[Valid]:
    import pandas as pd

    rng = np.random.default_rng(seed)
    pool = []
    for size in sizes:
        for _ in range(distinct):
            png = png_bytes(nir_image(rng, size))
            row = base64.b64encode(png).decode("ascii")
            out = model.predict(pd.DataFrame({"image": [row]}))
            expected = np.asarray(Image.open(io.BytesIO(base64.b64decode(out["image"][0]))))
            pool.append(Valid(size, body([png]), expected))
    return pool


# --------------------------------------------------------------------------------------------
# The server


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server:
    """`mlflow models serve` in its own process group, stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, argv: list[str], env: dict[str, str], url: str, log: Path) -> None:
        self.argv, self.env, self.url, self.log = argv, env, url, log
        self.proc: subprocess.Popen | None = None
        self.startup_s = float("nan")

    def __enter__(self) -> Server:
        self.launched = time.monotonic()
        with open(self.log, "wb") as fh:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=fh, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        return self

    def wait_ready(self, timeout_s: float) -> float:
        """Seconds from launch until /ping answered 200."""
        t0 = self.launched
        while time.monotonic() - t0 < timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the model server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _ = request(self.url, "GET", "/ping", None, None, timeout_s=2)
                if status == 200:
                    self.startup_s = time.monotonic() - t0
                    return self.startup_s
            except OSError:
                pass
            time.sleep(0.25)
        raise TimeoutError(f"the model server did not answer /ping within {timeout_s:.0f} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def __exit__(self, *exc: Any) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # the group: mlflow's CLI and the uvicorn workers it starts (ours, by their group id)
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue


def request(url: str, method: str, path: str, payload: bytes | None, content_type: str | None,
            *, timeout_s: float, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:  # fmt: skip
    """One HTTP exchange (on `conn` when given, kept alive); (status, body)."""
    parts = urllib.parse.urlsplit(url)
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout_s)
    try:
        headers = {"Content-Type": content_type} if content_type else {}
        conn.request(method, parts.path.rstrip("/") + path, body=payload, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        if own:
            conn.close()


# --------------------------------------------------------------------------------------------
# The load


@dataclass
class Record:
    client: int
    kind: str  # "valid" or an invalid kind
    size: int | None
    status: int | None
    latency_s: float
    ok: bool
    problem: str = ""
    max_diff: int | None = None


def check_valid(status: int, payload: bytes, item: Valid, tolerance: int) -> tuple[bool, str, int | None]:
    if status != 200:
        return False, f"HTTP {status}: {payload[:300].decode(errors='replace')}", None
    try:
        (rgb,) = decode_answer(payload)
    except Exception as err:  # a malformed answer is a failure to report, not a crash
        return False, f"malformed answer: {type(err).__name__}: {err}", None
    if rgb.shape != item.expected.shape:
        return False, f"shape {rgb.shape}, expected {item.expected.shape}", None
    diff = int(np.abs(rgb.astype(np.int16) - item.expected.astype(np.int16)).max())
    return diff <= tolerance, (f"max difference {diff} > tolerance {tolerance}" if diff > tolerance else ""), diff


def check_invalid(status: int, payload: bytes, item: Invalid) -> tuple[bool, str]:
    text = payload.decode(errors="replace")
    if not 400 <= status < 500:
        return False, f"HTTP {status}, expected 4xx: {text[:300]}"
    try:
        message = str(json.loads(text).get("message", ""))
    except (ValueError, AttributeError):
        message = text
    if item.fragment.lower() not in message.lower():
        return False, f"HTTP {status} but the message lacks {item.fragment!r}: {message[:300]}"
    return True, ""


def client_loop(index: int, url: str, n: int, pool: list[Valid], invalid: list[Invalid], fraction: float,
                tolerance: int, timeout_s: float, seed: int, start: threading.Barrier) -> list[Record]:  # fmt: skip
    rng = random.Random(seed * 1000 + index)
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout_s)
    records = []
    start.wait()
    for i in range(n):
        bad = invalid[rng.randrange(len(invalid))] if invalid and rng.random() < fraction else None
        good = None if bad else pool[(index + i * 7) % len(pool)]
        t0 = time.perf_counter()
        try:
            status, payload = request(url, "POST", "/invocations", (bad or good).body,
                                      bad.content_type if bad else JSON, timeout_s=timeout_s, conn=conn)  # fmt: skip
        except (OSError, http.client.HTTPException) as err:
            conn.close()  # reconnect on the next request
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout_s)
            latency = time.perf_counter() - t0
            kind = bad.kind if bad else "valid"
            records.append(Record(index, kind, good.size if good else None, None, latency, False,
                                  f"{type(err).__name__}: {err}"))  # fmt: skip
            continue
        latency = time.perf_counter() - t0
        if bad:
            ok, problem = check_invalid(status, payload, bad)
            records.append(Record(index, bad.kind, None, status, latency, ok, problem))
        else:
            ok, problem, diff = check_valid(status, payload, good, tolerance)
            records.append(Record(index, "valid", good.size, status, latency, ok, problem, diff))
    conn.close()
    return records


def latency_stats(latencies: list[float]) -> dict[str, float | int]:
    if not latencies:
        return {"n": 0}
    ms = np.asarray(latencies) * 1000.0
    return {
        "n": int(ms.size),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "max_ms": round(float(ms.max()), 2),
        "mean_ms": round(float(ms.mean()), 2),
    }


@dataclass
class Settings:
    url: str
    model_uri: str
    clients: int
    requests_per_client: int
    sizes: list[int]
    invalid_fraction: float
    tolerance: int
    workers: int | None
    torch_threads: int | None
    max_pixels: int
    max_rows: int
    seed: int
    notes: dict[str, Any] = field(default_factory=dict)


def summarize(records: list[Record], wall_s: float, settings: Settings) -> dict[str, Any]:
    valid = [r for r in records if r.kind == "valid"]
    invalid = [r for r in records if r.kind != "valid"]
    diffs = [r.max_diff for r in valid if r.max_diff is not None]
    failures = [asdict(r) for r in records if not r.ok]
    return {
        "settings": asdict(settings),
        "requests": len(records),
        "valid": {
            "requests": len(valid),
            "correct": sum(r.ok for r in valid),
            "failed": sum(not r.ok for r in valid),
            "exact": sum(d == 0 for d in diffs),
            "max_diff": max(diffs) if diffs else None,
            "latency": latency_stats([r.latency_s for r in valid]),
            "latency_by_size": {
                str(size): latency_stats([r.latency_s for r in valid if r.size == size]) for size in settings.sizes
            },
        },
        "invalid": {
            "requests": len(invalid),
            "rejected_4xx": sum(r.ok for r in invalid),
            "failed": sum(not r.ok for r in invalid),
            "statuses": {kind: sorted({r.status for r in invalid if r.kind == kind}, key=str)
                         for kind in INVALID_KINDS if any(r.kind == kind for r in invalid)},  # fmt: skip
            "latency": latency_stats([r.latency_s for r in invalid]),
        },
        "failures": len(failures),
        "failure_examples": failures[:10],
        "wall_s": round(wall_s, 3),
        "throughput_rps": round(len(records) / wall_s, 2) if wall_s > 0 else None,
        "valid_throughput_rps": round(len(valid) / wall_s, 2) if wall_s > 0 else None,
    }


def run_load(settings: Settings, pool: list[Valid], timeout_s: float) -> dict[str, Any]:
    invalid = invalid_requests(settings.max_pixels, settings.max_rows) if settings.invalid_fraction > 0 else []
    for item in pool[:: max(1, len(pool) // len(settings.sizes))]:  # warm-up: one per size, not counted
        try:
            status, payload = request(settings.url, "POST", "/invocations", item.body, JSON, timeout_s=timeout_s)
        except (OSError, http.client.HTTPException) as err:
            raise SystemExit(f"load_test: cannot reach {settings.url}: {type(err).__name__}: {err}") from None
        if status != 200:
            raise SystemExit(f"load_test: {settings.url} answered a valid request with HTTP {status}: {payload[:500]!r}")
    barrier = threading.Barrier(settings.clients + 1)
    with concurrent.futures.ThreadPoolExecutor(settings.clients) as executor:
        futures = [
            executor.submit(client_loop, i, settings.url, settings.requests_per_client, pool, invalid,
                            settings.invalid_fraction, settings.tolerance, timeout_s, settings.seed, barrier)  # fmt: skip
            for i in range(settings.clients)
        ]
        barrier.wait()
        t0 = time.perf_counter()
        records = [r for f in futures for r in f.result()]
        wall = time.perf_counter() - t0
    return summarize(records, wall, settings)


def print_report(result: dict[str, Any]) -> None:
    s, v, inv = result["settings"], result["valid"], result["invalid"]
    print(f"{result['requests']} requests from {s['clients']} clients × {s['requests_per_client']} "
          f"in {result['wall_s']:.1f} s: {result['throughput_rps']} req/s "
          f"({result['valid_throughput_rps']} valid req/s)")  # fmt: skip
    lat = v["latency"]
    print(f"valid   {v['requests']:6d}  correct {v['correct']}  failed {v['failed']}  exact {v['exact']}  "
          f"max diff {v['max_diff']}")  # fmt: skip
    if lat.get("n"):
        print(f"        latency p50 {lat['p50_ms']} ms  p95 {lat['p95_ms']} ms  p99 {lat['p99_ms']} ms  "
              f"max {lat['max_ms']} ms")  # fmt: skip
    for size, st in v["latency_by_size"].items():
        if st.get("n"):
            print(f"        {size}×{size}: n {st['n']}  p50 {st['p50_ms']} ms  p99 {st['p99_ms']} ms")
    print(f"invalid {inv['requests']:6d}  rejected with 4xx {inv['rejected_4xx']}  failed {inv['failed']}  "
          f"statuses {inv['statuses']}")  # fmt: skip
    for failure in result["failure_examples"]:
        print(f"FAILED: {failure['kind']} (client {failure['client']}): {failure['problem']}")


# --------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python scripts/load_test.py", description=__doc__.splitlines()[0])
    from flows.common import tracking_config

    p.add_argument("--model-uri", default=f"models:/{tracking_config().registered_model}@champion",
                   help="the registered model to serve and to predict with in-process (default: %(default)s, "
                        "the name from params.yaml)")  # fmt: skip
    p.add_argument("--demo", action="store_true",
                   help="register a seeded random-init generator in a throwaway store and serve that")
    p.add_argument("--demo-ngf", type=int, default=16)
    p.add_argument("--demo-image-size", type=int, default=64, help="the demo generator's image_size (padding multiple)")
    p.add_argument("--demo-variant", choices=("dense", "baseline"), default="dense")
    p.add_argument("--url", help="a running server to load (default: start one on --host)")
    p.add_argument("--host", default=SERVE_HOST, help="interface the started server binds (default %(default)s)")
    p.add_argument("--port", type=int, default=0, help="port of the started server (default: a free one)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn workers of the started server (default 1)")
    p.add_argument("--torch-threads", type=int, default=None,
                   help="torch threads per worker (default: the CPU cores divided among the workers)")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--requests", type=int, default=200, help="requests per client")
    p.add_argument("--sizes", default="64", help="comma-separated square sizes of the valid images (default 64)")
    p.add_argument("--distinct", type=int, default=8, help="distinct valid images per size")
    p.add_argument("--invalid-fraction", type=float, default=0.1, help="share of invalid requests (default 0.1)")
    p.add_argument("--tolerance", type=int, default=0,
                   help="largest allowed difference to the in-process prediction, in 8-bit levels (default 0)")
    p.add_argument("--max-pixels", type=int, default=MAX_PIXELS, help="the server's pixel limit (for the invalid requests)")
    p.add_argument("--max-rows", type=int, default=MAX_ROWS, help="the server's row limit (for the invalid requests)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    p.add_argument("--start-timeout", type=float, default=180.0, help="seconds for the server to come up")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, help="write the results here")
    args = p.parse_args(argv)
    if args.clients < 1 or args.requests < 1 or args.distinct < 1:
        p.error("--clients, --requests and --distinct must be >= 1")
    if not 0.0 <= args.invalid_fraction <= 1.0:
        p.error("--invalid-fraction must be within 0…1")
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        p.error(f"--sizes: expected comma-separated integers, got {args.sizes!r}")
    if not args.sizes or min(args.sizes) < 1:
        p.error("--sizes: need at least one size >= 1")
    if args.url and args.demo:
        p.error("--demo starts its own server; leave out --url")
    return args


def main(argv: list[str] | None = None) -> int:
    quiet_environment()
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nir-load-") as tmp:
        tmp = Path(tmp)
        model_uri = args.model_uri
        if args.demo:
            t0 = time.monotonic()
            uri, model_uri = register_demo_model(tmp, args.demo_ngf, args.demo_image_size, args.demo_variant, args.seed)
            os.environ["MLFLOW_TRACKING_URI"] = os.environ["MLFLOW_REGISTRY_URI"] = uri
            print(f"demo model: {args.demo_variant}, ngf {args.demo_ngf}, image_size {args.demo_image_size} "
                  f"(random init, seed {args.seed}) registered in {time.monotonic() - t0:.1f} s", flush=True)  # fmt: skip
        elif "MLFLOW_TRACKING_URI" not in os.environ:
            from flows.tracking import tracking_uri

            os.environ["MLFLOW_TRACKING_URI"] = tracking_uri()
        threads = args.torch_threads
        if not args.url:
            port = args.port or free_port(args.host)
            argv, env = model_server_command(model_uri, port, host=args.host, workers=args.workers,
                                             torch_threads=args.torch_threads)  # fmt: skip
            threads = int(env["NIRCOLOR_TORCH_THREADS"])
            server = Server(argv, env, f"http://{args.host}:{port}", tmp / "server.log")
        else:
            server = None
        # the reference runs with the server's thread count: same arithmetic, same answers
        import torch

        if threads:
            torch.set_num_threads(threads)
        with server or contextlib.nullcontext():  # the server starts while the reference predicts
            t0 = time.monotonic()
            model = reference_model(model_uri)
            pool = valid_pool(model, args.sizes, args.distinct, args.seed)
            print(f"reference: {len(pool)} images predicted in-process in {time.monotonic() - t0:.1f} s", flush=True)
            settings = Settings(
                url=args.url or server.url, model_uri=model_uri, clients=args.clients,
                requests_per_client=args.requests, sizes=args.sizes, invalid_fraction=args.invalid_fraction,
                tolerance=args.tolerance, workers=None if args.url else args.workers, torch_threads=threads,
                max_pixels=args.max_pixels, max_rows=args.max_rows, seed=args.seed,
                notes={"machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "python": platform.python_version(),
                       "torch": torch.__version__, "demo": args.demo},
            )  # fmt: skip
            if server is not None:
                startup = server.wait_ready(args.start_timeout)
                print(f"server: {' '.join(server.argv[1:])} (torch threads {threads}) up {startup:.1f} s after launch",
                      flush=True)  # fmt: skip
                settings.notes["server_startup_s"] = round(startup, 2)
            result = run_load(settings, pool, args.timeout)
    print_report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"results: {args.json}")
    return 0 if result["failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
