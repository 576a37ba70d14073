"""ringspec code generator: TOML spec -> validated model -> generated C.

spec_loader reads the file (locator.py gives diagnostics their positions), validate checks it and
builds the model, expr handles reply expressions, emit renders the templates, cli ties
them to the command line.
"""
