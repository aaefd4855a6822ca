"""flows.ops.launch: the `dvc exp run` command, input checks that name the key, and the flow run against a fake dvc."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
import yaml

from flows.ops import launch

REPO = Path(__file__).resolve().parents[2]

# A stand-in for dvc: appends {argv, PREFECT_API_URL, cwd} to $FAKE_DVC_LOG, prints like dvc.
FAKE_DVC = """#!{python}
import json, os, sys
with open({log!r}, "a") as f:
    f.write(json.dumps({{"argv": sys.argv[1:], "api": os.environ.get("PREFECT_API_URL"), "cwd": os.getcwd()}}) + "\\n")
print("Running stage 'ingest':", flush=True)
sys.stdout.write("epoch 1/3\\repoch 2/3\\repoch 3/3\\n")
if sys.argv[1:3] == ["exp", "run"]:
    if "--queue" in sys.argv:
        print("Queued experiment 'sunny-fern' for future execution.")
    else:
        print("\\nRan experiment(s): sunny-fern")
sys.exit({code})
"""


@pytest.fixture
def fake_dvc(tmp_path, monkeypatch):
    """Point flows.ops.launch at a fake dvc; returns a reader of the calls it received."""
    log = tmp_path / "calls.jsonl"

    def make(code: int = 0):
        exe = tmp_path / "dvc"
        exe.write_text(FAKE_DVC.format(python=sys.executable, log=str(log), code=code))
        exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setattr(launch, "DVC_EXECUTABLE", str(exe))
        return exe

    def calls() -> list[dict]:
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    make.calls = calls
    return make


# -- the command -------------------------------------------------------------------------------


def test_both_variants_run_their_chains_and_compare():
    assert launch.build_dvc_command() == ["dvc", "exp", "run", "evaluate@baseline", "evaluate@dense",
                                          "evaluate@dense_plus", "compare"]  # fmt: skip
    assert launch.build_dvc_command(["dense", "baseline"], known=("baseline", "dense"))[-1] == "compare"
    assert launch.build_dvc_command(["dense", "baseline", "dense_plus", "dense"])[-4:] == [
        "evaluate@dense", "evaluate@baseline", "evaluate@dense_plus", "compare"]  # fmt: skip


@pytest.mark.parametrize("variant", ["baseline", "dense"])
def test_one_variant_runs_only_its_chain(variant):
    assert launch.build_dvc_command([variant]) == ["dvc", "exp", "run", f"evaluate@{variant}"]
    assert launch.build_dvc_command(variant) == ["dvc", "exp", "run", f"evaluate@{variant}"]


def test_overrides_temp_and_queue():
    cmd = launch.build_dvc_command(["dense"], {"loss.lambda_pair": "30", "train.device": "cpu", "model.dropout": True},
                                   temp=True, dvc="/x/dvc")  # fmt: skip
    assert cmd == ["/x/dvc", "exp", "run", "--temp", "-S", "loss.lambda_pair=30", "-S", "train.device=cpu",
                   "-S", "model.dropout=true", "evaluate@dense"]  # fmt: skip
    assert launch.build_dvc_command(["baseline"], queue=True) == ["dvc", "exp", "run", "--queue", "evaluate@baseline"]
    with pytest.raises(ValueError, match="exclude each other"):
        launch.build_dvc_command(temp=True, queue=True)


@pytest.mark.parametrize("variants", [["dense", "wide"], ["wide"]])
def test_unknown_variant_is_named(variants):
    with pytest.raises(ValueError, match="unknown variant 'wide'"):
        launch.build_dvc_command(variants)


def test_no_variant_is_an_error():
    with pytest.raises(ValueError, match="no variant"):
        launch.build_dvc_command([])


# -- checks against params.yaml ----------------------------------------------------------------

PARAMS = {"loss": {"lambda_pair": 60.0, "gan_mode": "vanilla"}, "variants": {"dense": {"overrides": {}}}}


def test_known_override_keys_pass():
    launch.check_override_keys({"loss.lambda_pair": "30", "loss": "{}", "variants.dense.overrides": "{}"}, PARAMS)


@pytest.mark.parametrize(
    ("key", "why"),
    [("loss.lambda_pairs", "no 'lambda_pairs' under loss"), ("optimizer.lr", "no 'optimizer' under the top level"),
     ("loss.lambda_pair.x", "no 'x' under loss.lambda_pair")],
)  # fmt: skip
def test_unknown_override_key_is_named(key, why):
    with pytest.raises(ValueError, match=rf"override key '{key}' is not in params.yaml \({why}\)"):
        launch.check_override_keys({"loss.lambda_pair": "30", key: "1"}, PARAMS)


def test_override_values_are_checked_like_dvc_reads_them():
    params_file = REPO / "params.yaml"
    launch.check_override_values({"loss.lambda_pair": "30", "augment.contrast_range": "[0.4,1.6]"}, params_file, False)
    with pytest.raises(ValueError, match="loss.lambda_pair"):
        launch.check_override_values({"loss.lambda_pair": "lots"}, params_file, False)
    with pytest.raises(ValueError, match="'loss.lambda_pair' is a sweep"):
        launch.check_override_values({"loss.lambda_pair": "30,60"}, params_file, False)
    launch.check_override_values({"loss.lambda_pair": "30,60"}, params_file, True)


def test_experiment_names_from_dvc_output():
    out = ["Running stage 'ingest':", "", "Ran experiment(s): sunny-fern, other-exp",
           "Queued experiment 'q-one' for future execution.", "Queued experiment 'q-one' for future execution."]  # fmt: skip
    assert launch.experiment_names(out) == ["sunny-fern", "other-exp", "q-one"]
    assert launch.experiment_names(["nothing here"]) == []


# -- the flow ----------------------------------------------------------------------------------


def test_flow_runs_dvc_in_the_repo_and_returns_the_record(fake_dvc, capsys):
    exe = fake_dvc()
    result = launch.launch_pipeline.fn(variants=["dense"], overrides={"loss.lambda_pair": "30"})
    assert result == {
        "returncode": 0,
        "command": [str(exe), "exp", "run", "-S", "loss.lambda_pair=30", "evaluate@dense"],
        "experiment": "sunny-fern",
        "experiments": ["sunny-fern"],
    }
    (call,) = fake_dvc.calls()
    assert call["argv"] == result["command"][1:]
    assert Path(call["cwd"]).resolve() == REPO.resolve()
    out = capsys.readouterr().out.splitlines()
    assert "Running stage 'ingest':" in out
    assert "epoch 3/3" in out and "epoch 1/3" not in " ".join(out)  # a redrawn line is logged once


def test_bad_inputs_fail_before_dvc_runs(fake_dvc):
    fake_dvc()
    with pytest.raises(ValueError, match="unknown variant 'wide'"):
        launch.launch_pipeline.fn(variants=["wide"])
    with pytest.raises(ValueError, match="override key 'loss.lambda_pairs'"):
        launch.launch_pipeline.fn(overrides={"loss.lambda_pairs": "30"})
    with pytest.raises(ValueError, match="model.ngf"):
        launch.launch_pipeline.fn(overrides={"model.ngf": "-4"})
    assert fake_dvc.calls() == []


def test_queue_enqueues_then_starts_the_worker(fake_dvc):
    exe = fake_dvc()
    result = launch.launch_pipeline.fn(variants=None, queue=True)  # all variants
    assert result["experiment"] == "sunny-fern"
    assert [c["argv"] for c in fake_dvc.calls()] == [
        ["exp", "run", "--queue", "evaluate@baseline", "evaluate@dense", "evaluate@dense_plus", "compare"],
        ["queue", "start"],
    ]
    assert result["command"][0] == str(exe)


def test_a_failing_dvc_fails_the_flow(fake_dvc):
    fake_dvc(code=2)
    with pytest.raises(launch.PipelineFailed, match="(?s)exited with 2.*Ran experiment") as info:
        launch.launch_pipeline.fn(variants=["dense"], temp=True)
    assert info.value.returncode == 2
    assert info.value.command[1:] == ["exp", "run", "--temp", "evaluate@dense"]


def test_cli_parses_variants_and_sets(fake_dvc, monkeypatch, capsys):
    fake_dvc()
    seen = {}

    def fake_flow(**kwargs):
        seen.update(kwargs)
        return {"experiment": "sunny-fern"}

    monkeypatch.setattr(launch, "launch_pipeline", fake_flow)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert launch.main(["run", "--variant", "dense", "-S", "loss.lambda_pair=30", "-S", "augment.contrast_range=[0.4,1.6]"]) == 0
    assert seen == {"variants": ["dense"], "overrides": {"loss.lambda_pair": "30", "augment.contrast_range": "[0.4,1.6]"},
                    "temp": False, "queue": False}  # fmt: skip
    assert "experiment: sunny-fern" in capsys.readouterr().out


def test_flow_run_passes_its_prefect_server_to_dvc(fake_dvc):
    """A real flow run (Prefect's test harness: one temporary server): the stages get its API URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    fake_dvc()
    with prefect_test_harness(server_startup_timeout=60):
        api = PREFECT_API_URL.value()
        result = launch.launch_pipeline(variants=["baseline"], overrides={"train.device": "cpu"})
    assert result["command"][1:] == ["exp", "run", "-S", "train.device=cpu", "evaluate@baseline"]
    (call,) = fake_dvc.calls()
    assert call["api"] == api and api.startswith("http://127.0.0.1:")


def test_params_yaml_has_the_variants_the_launcher_knows():
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    assert launch.known_variants() == tuple(params["variants"])


def test_an_interrupted_launch_interrupts_dvc_and_its_stages(tmp_path):
    """Ctrl-C / cancellation: DVC's whole process group gets SIGINT first, as in a terminal."""
    seen = tmp_path / "seen"
    code = (
        "import signal, subprocess, sys, time\n"
        # the stage resets SIGINT itself: a shell that ran us in the background would leave it ignored
        "child = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
        "signal.signal(signal.SIGINT, signal.default_int_handler); print(1, flush=True); time.sleep(60)'], "
        "stdout=subprocess.PIPE)\n"
        "child.stdout.readline()\n"
        f"def bye(*_):\n    open({str(seen)!r}, 'w').write('SIGINT'); child.wait(); sys.exit(130)\n"
        "signal.signal(signal.SIGINT, bye)\n"
        "print('ready', child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, process_group=0)
    _, child_pid = proc.stdout.readline().split()
    from flows.ops.streaming import stop

    stop(proc)
    proc.stdout.close()
    assert proc.returncode == 130 and seen.read_text() == "SIGINT"
    assert not psutil.pid_exists(int(child_pid)) or psutil.Process(int(child_pid)).status() == psutil.STATUS_ZOMBIE
