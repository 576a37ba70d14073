"""Stage 2: emitters: the model rendered into C through codegen/templates/."""
