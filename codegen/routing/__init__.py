"""Request routing: a route's path (paths.py), and several routes on one path, one per
method (method_groups.py)."""
