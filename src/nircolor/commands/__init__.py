"""The bigger `nircolor` commands, one module each; `nircolor.cli` parses the arguments and imports
each of them only when it runs (so that a command that does not need torch never loads it)."""
