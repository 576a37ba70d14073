"""Stage 1: spec loading and validation: the TOML file, its keys, checks and the model they build."""
