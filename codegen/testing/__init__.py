"""Stage 3: in-spec test running: [[route.test]] cases sent to a built server and checked."""
