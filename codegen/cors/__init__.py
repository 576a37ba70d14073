"""CORS ([server.cors] and a route's `cors`): policy.py checks the spec's keys into a
Policy per route, emit.py writes each distinct policy as an rs_cors the runtime
(runtime/app/cors.c) answers preflights and decorates replies with."""
