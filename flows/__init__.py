"""Prefect flows (one module per stage) and the MLflow adapter: the only code that imports prefect or mlflow.

    ingest.py augment.py train.py evaluate.py compare.py   the stage flows (run by pipeline/, DVC's stages)
    common.py      shared flow plumbing: paths, run identity, run_flow
    tracking/      the MLflow tracker and the offline spool
    registry/      registering, loading and serving generator checkpoints (MLflow pyfunc)
    ops/           commands: servers (Prefect + MLflow UI), launch (a Prefect deployment of `dvc exp run`),
                   compare_registered

Importing this package configures nothing: entry points call nircolor.environment.quiet_environment().
"""
