"""DVC entry points: one module per stage; the only code that knows which metrics/plots files a stage writes."""
