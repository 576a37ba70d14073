"""What a reply's head says beyond its status line and Content-Type: response headers
(per server and per route, constant or computed), redirects, and the statuses that carry
no body (204, 304). check.py validates the spec's keys; emit.py lays the head out in C."""
