"""Serving: a real `mlflow models serve` of a registered tiny generator — 4xx for bad requests, correct answers, load script."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from flows.registry import model_server_command
from nircolor.serving import MAX_PIXELS, MAX_ROWS, ServingLimits
from tests.scripts import load_script as _load

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "load_test.py"


def load_script():
    """scripts/load_test.py as a module."""
    return _load("load_test")


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def header_only_png(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height but that holds no pixel data at all."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + chunk(
        b"IEND", b""
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def split(rows: list, column: str = "image") -> bytes:
    return json.dumps({"dataframe_split": {"columns": [column], "data": [[r] for r in rows]}}).encode()


def listening_addresses(port: int) -> list[str]:
    """Local addresses (hex, as /proc/net/tcp* writes them) with a socket listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            for line in fh.read().splitlines()[1:]:
                fields = line.split()
                addr, hex_port = fields[1].rsplit(":", 1)
                if int(hex_port, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                    found.append(addr)
    return found


@pytest.fixture(scope="module")
def served(empty_store, tmp_path_factory):
    """A dense generator (32×32, ngf 4, seeded random init) registered in a throwaway store, served on 127.0.0.1.

    Untrained on purpose: serving does not care what the weights learnt, and training one would
    cost more than the rest of this module.
    """
    lt = load_script()
    root = tmp_path_factory.mktemp("serving")
    shutil.copyfile(empty_store, root / "mlflow.db")  # register_demo_model uses root/mlflow.db
    uri, model_uri = lt.register_demo_model(root, ngf=4, image_size=32, variant="dense", seed=0)
    assert uri == f"sqlite:///{root}/mlflow.db"

    port = lt.free_port("127.0.0.1")
    argv, env = model_server_command(model_uri, port)  # the default host
    env.update(MLFLOW_TRACKING_URI=uri, MLFLOW_REGISTRY_URI=uri)
    server = lt.Server(argv, env, f"http://127.0.0.1:{port}", root / "server.log")
    with pytest.MonkeyPatch.context() as mp, server:
        mp.setenv("MLFLOW_TRACKING_URI", uri)
        mp.setenv("MLFLOW_REGISTRY_URI", uri)
        reference = lt.reference_model(model_uri)  # while the server starts
        startup = server.wait_ready(120)
        print(f"\nmodel server up {startup:.1f} s after launch")
        yield {"lt": lt, "url": server.url, "port": port, "argv": argv, "uri": uri, "model_uri": model_uri,
               "reference": reference, "server": server}  # fmt: skip


def post(served, body: bytes, content_type: str = "application/json") -> tuple[int, dict | str]:
    status, payload = served["lt"].request(served["url"], "POST", "/invocations", body, content_type, timeout_s=60)
    try:
        return status, json.loads(payload)
    except ValueError:
        return status, payload.decode(errors="replace")


def test_server_binds_loopback_by_default(served):
    argv, _ = model_server_command("models:/x@y", 5999)
    assert argv[argv.index("-h") + 1] == "127.0.0.1"
    if not os.path.exists("/proc/net/tcp"):
        pytest.skip("no /proc/net/tcp to read listening sockets from")
    assert listening_addresses(served["port"]) == ["0100007F"]  # 127.0.0.1 only, not 0.0.0.0


def test_valid_request_answers_the_in_process_prediction(served):
    rng = np.random.default_rng(3)
    nir8 = rng.integers(0, 256, (40, 50), dtype=np.uint8)
    nir16 = rng.integers(0, 65536, (33, 31)).astype(np.uint16)
    tiny = np.full((1, 1), 77, np.uint8)  # any size from 1×1: the generator pads
    rows = [b64(png(nir8)), b64(png(nir16)), b64(png(tiny))]
    status, answer = post(served, split(rows))
    assert status == 200, answer
    expected = served["reference"].predict(pd.DataFrame({"image": rows}))
    assert [p["height"] for p in answer["predictions"]] == [40, 33, 1]
    assert [p["width"] for p in answer["predictions"]] == [50, 31, 1]
    for got, want in zip(answer["predictions"], expected["image"]):
        got_rgb = np.asarray(Image.open(io.BytesIO(base64.b64decode(got["image"]))))
        want_rgb = np.asarray(Image.open(io.BytesIO(base64.b64decode(want))))
        assert got_rgb.shape == want_rgb.shape and got_rgb.dtype == np.uint8
        assert np.array_equal(got_rgb, want_rgb)


BAD = {
    # name: (body, error_code, message fragment)
    "bad base64": (split(["not base64!"]), "INVALID_PARAMETER_VALUE", "row 0: not valid base64"),
    "not an image": (split([b64(b"plain text")]), "INVALID_PARAMETER_VALUE", "row 0: not an image Pillow can read"),
    "colour image": (
        split([b64(png(np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)))]),
        "INVALID_PARAMETER_VALUE",
        "row 0: NIR image has 3 unequal channels",
    ),
    "second row bad": (split([b64(png(np.zeros((8, 8), np.uint8))), ""]), "INVALID_PARAMETER_VALUE",
                       "row 1: empty image data"),  # fmt: skip
    "not a string": (split([[1, 2, 3]]), "INVALID_PARAMETER_VALUE", "row 0: expected a base64 string, got list"),
    # the header claims 2048×2048 and holds no pixels: a 400 for size, not for corrupt data,
    # shows the limit is checked before decoding
    "over the pixel limit": (split([b64(header_only_png(2048, 2048))]), "INVALID_PARAMETER_VALUE",
                             f"row 0: image too large: 2048×2048 is computed as 2048×2048 = 4,194,304 pixels; "
                             f"the limit is {MAX_PIXELS:,} pixels per request"),  # fmt: skip
    "far over every limit": (split([b64(header_only_png(30000, 30000))]), "INVALID_PARAMETER_VALUE",
                             "row 0: image too large"),  # fmt: skip
    "rows add up over the limit": (split([b64(header_only_png(600, 600))] * 3), "INVALID_PARAMETER_VALUE",
                                   "row 2: request too large: rows 0–2 come to 1,108,992 pixels"),  # fmt: skip
    "too many rows": (split([b64(png(np.zeros((4, 4), np.uint8)))] * (MAX_ROWS + 1)), "INVALID_PARAMETER_VALUE",
                      f"the request has {MAX_ROWS + 1} rows; at most {MAX_ROWS} images per request"),  # fmt: skip
    "no rows": (split([]), "INVALID_PARAMETER_VALUE", "the request has no rows"),
    "no image column": (split([b64(png(np.zeros((4, 4), np.uint8)))], column="picture"), "INVALID_PARAMETER_VALUE",
                        "missing inputs ['image']"),  # fmt: skip
    "broken JSON": (b'{"dataframe_split": {', "BAD_REQUEST", "valid JSON"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_request_is_400_with_a_clear_json_message(served, case):
    body, code, fragment = BAD[case]
    status, answer = post(served, body)
    assert status == 400, answer
    assert isinstance(answer, dict) and answer["error_code"] == code
    assert fragment in answer["message"]
    if code == "INVALID_PARAMETER_VALUE" and case != "no image column":  # ours: the reason, nothing else
        assert answer["message"].startswith(("row ", "the request", "expected a table"))
    assert "Traceback" not in json.dumps(answer)


def test_other_content_types_are_415(served):
    status, answer = post(served, b"image=abc", "text/plain")
    assert status == 415 and "content types" in answer


def test_load_script_at_small_scale(served, tmp_path):
    out = tmp_path / "load.json"
    cmd = [sys.executable, str(SCRIPT), "--url", served["url"], "--model-uri", served["model_uri"],
           "--clients", "4", "--requests", "10", "--sizes", "32,45", "--distinct", "3",
           "--invalid-fraction", "0.3", "--json", str(out)]  # fmt: skip
    env = dict(os.environ, MLFLOW_TRACKING_URI=served["uri"], MLFLOW_REGISTRY_URI=served["uri"])
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=180)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    result = json.loads(out.read_text())
    valid, invalid = result["valid"], result["invalid"]
    assert result["requests"] == 40 == valid["requests"] + invalid["requests"]
    assert valid["requests"] >= 10 and invalid["requests"] >= 3  # both kinds were exercised
    assert valid["correct"] == valid["requests"] and valid["failed"] == 0 and valid["max_diff"] == 0
    assert invalid["rejected_4xx"] == invalid["requests"] and invalid["failed"] == 0
    assert all(statuses == [400] for statuses in invalid["statuses"].values())
    lat = valid["latency"]
    assert lat["n"] == valid["requests"] and 0 < lat["p50_ms"] <= lat["p95_ms"] <= lat["p99_ms"] <= lat["max_ms"]
    assert set(valid["latency_by_size"]) == {"32", "45"}
    assert result["throughput_rps"] > 0 and result["failures"] == 0
    assert "p99" in res.stdout


def test_load_script_checks_catch_wrong_answers():
    """The load script's checks fail on a wrong image, a wrong status or a vague message."""
    lt = load_script()
    rgb = np.zeros((4, 4, 3), np.uint8)
    answer = json.dumps({"predictions": [{"image": b64(png(rgb)), "height": 4, "width": 4}]}).encode()
    assert lt.check_valid(200, answer, lt.Valid(4, b"", rgb), tolerance=0)[0]
    off = rgb.copy()
    off[0, 0, 0] = 2
    ok, problem, diff = lt.check_valid(200, answer, lt.Valid(4, b"", off), tolerance=1)
    assert not ok and diff == 2 and "max difference 2" in problem
    assert lt.check_valid(200, answer, lt.Valid(4, b"", off), tolerance=2)[0]
    assert not lt.check_valid(500, b"{}", lt.Valid(4, b"", rgb), tolerance=0)[0]
    lying = json.dumps({"predictions": [{"image": b64(png(rgb)), "height": 5, "width": 4}]}).encode()
    assert not lt.check_valid(200, lying, lt.Valid(4, b"", rgb), tolerance=0)[0]
    bad = lt.Invalid("colour", b"", "application/json", "unequal channels")
    assert lt.check_invalid(400, b'{"message": "row 0: NIR image has 3 unequal channels"}', bad)[0]
    assert not lt.check_invalid(200, b'{"predictions": []}', bad)[0]
    assert not lt.check_invalid(500, b'{"message": "unequal channels"}', bad)[0]
    assert not lt.check_invalid(400, b'{"message": "something went wrong"}', bad)[0]
    stats = lt.latency_stats([0.001 * i for i in range(1, 101)])
    assert stats["n"] == 100 and stats["p50_ms"] == pytest.approx(50.5) and stats["p99_ms"] == pytest.approx(99.01)


def test_model_failure_is_500_without_traceback(served, monkeypatch):
    """A fault of the model (not of the request) is INTERNAL_ERROR / HTTP 500: the client is not blamed."""
    from fastapi.testclient import TestClient
    from mlflow.pyfunc import load_model, scoring_server

    monkeypatch.setenv("_MLFLOW_IS_IN_SERVING_ENVIRONMENT", "false")  # init() sets it; restored after
    model = load_model(served["model_uri"])

    class Broken:
        size_multiple = 32

        def __call__(self, x):
            raise RuntimeError("simulated fault inside the generator")

    model.unwrap_python_model().generator = Broken()
    client = TestClient(scoring_server.init(model))
    resp = client.post("/invocations", content=split([b64(png(np.zeros((8, 8), np.uint8)))]),
                       headers={"Content-Type": "application/json"})  # fmt: skip
    assert resp.status_code == 500
    answer = resp.json()
    assert answer["error_code"] == "INTERNAL_ERROR"
    assert answer["message"] == "colorizing failed on the server (RuntimeError); see the server's log"
    assert "simulated fault" not in resp.text and "Traceback" not in resp.text


def test_limits_and_threads_come_from_the_environment(served, monkeypatch):
    import torch
    from mlflow.pyfunc import load_model

    assert ServingLimits.from_env({}) == ServingLimits(MAX_ROWS, MAX_PIXELS)
    with pytest.raises(ValueError, match="NIRCOLOR_SERVE_MAX_PIXELS='lots': expected a positive integer"):
        ServingLimits.from_env({"NIRCOLOR_SERVE_MAX_PIXELS": "lots"})
    monkeypatch.setenv("NIRCOLOR_SERVE_MAX_ROWS", "2")
    monkeypatch.setenv("NIRCOLOR_SERVE_MAX_PIXELS", str(64 * 64))
    threads = torch.get_num_threads()
    monkeypatch.setenv("NIRCOLOR_TORCH_THREADS", "1")
    try:
        model = load_model(served["model_uri"])
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
    row = b64(png(np.zeros((40, 40), np.uint8)))  # padded to 64×64 by the 32-multiple generator
    assert len(model.predict(pd.DataFrame({"image": [row]}))) == 1
    with pytest.raises(ValueError, match="rows 0–1 come to 8,192 pixels; the limit is 4,096"):
        model.predict(pd.DataFrame({"image": [row, row]}))
    with pytest.raises(ValueError, match="at most 2 images per request"):
        model.predict(pd.DataFrame({"image": [row] * 3}))
    # 8 bytes a pixel of the limit: 32,768 bytes; refused before base64 decoding
    with pytest.raises(ValueError, match="row 0: 60,000 base64 characters is over the limit of 32,768 image bytes"):
        model.predict(pd.DataFrame({"image": ["A" * 60_000]}))
    monkeypatch.setenv("NIRCOLOR_TORCH_THREADS", "0")
    with pytest.raises(Exception, match="NIRCOLOR_TORCH_THREADS='0': expected a positive integer"):
        load_model(served["model_uri"])
