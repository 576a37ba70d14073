"""Request routing beyond one path per route: several routes on one path, one per method
(method_groups.py)."""
