"""Stage 3: exports: OpenAPI, the spec reference, the HttpArena entry, project scaffolds."""
