"""ringspec code generator: TOML spec -> validated model -> generated C.

One package per stage, imports running only down this list (tests/codegen/test_codegen_stages.py):
lang/ the expression and query language; spec/ loading (spec_loader, locator) and validation
(validate, spec_keys) into the model; emit/ renders the model through templates/ into C;
testing/ runs a spec's [[route.test]] cases; export/ writes OpenAPI, the reference, arena entries
and scaffolds. cli.py ties them to the command line.
"""
