"""Operating the project: the local servers, launching the pipeline as a Prefect deployment, comparing registered versions."""
