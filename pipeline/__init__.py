"""DVC entry points, one module per stage: every path a stage reads or writes is an argument of its dvc.yaml command."""
