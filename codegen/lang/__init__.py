"""Stage 0: the expression and query language (reply holes, path patterns, data queries, sql() calls),
independent of the spec: spec/ uses it to check, emit/ to generate C."""
