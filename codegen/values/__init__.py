"""How parameter values go out in replies (string_holes.py: a string's text, not its length)."""
