"""Prefect flows (one module per stage) and the MLflow adapter: the only code that imports prefect or mlflow."""
