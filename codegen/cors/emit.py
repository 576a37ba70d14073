"""The C of CORS policies: each distinct Policy of a build once, as a static rs_cors
(runtime/app/cors.h), and what dispatch needs per route (its policy, and whether its
path has one, which makes OPTIONS a preflight rather than 405)."""

from __future__ import annotations


def context(views: list, groups, c_string) -> dict:
    """Sets view.cors_name and view.path_cors on every route view; returns the template's
    cors_policies: (C name, C initializer lines)."""
    names: dict = {}
    policies = []
    for view in views:
        policy = view.route.cors
        view.cors_name = None
        if policy is None:
            continue
        if policy not in names:
            names[policy] = f"rs_cors_{len(names)}"
            policies.append((names[policy], _initializer(names[policy], policy, c_string)))
        view.cors_name = names[policy]
    for view in views:
        view.path_cors = any(v.cors_name for v in groups.members_of(view))
    return {"cors_policies": policies, "any_cors": bool(policies)}


def _initializer(name: str, policy, c_string) -> list:
    """File-scope C defining rs_cors `name`."""
    out = []
    if policy.origins:
        out.append(f"static const char *const {name}_origins[] = {{"
                   + ", ".join(c_string(o) for o in policy.origins) + "};")
    if policy.headers:
        out.append(f"static const char *const {name}_headers[] = {{"
                   + ", ".join(c_string(h) for h in policy.headers) + "};")
    mask = " | ".join(f"RS_METHOD_BIT(RS_METHOD_{m})" for m in policy.methods) or "0"
    fields = [
        f".origins = {name + '_origins' if policy.origins else 'NULL'}",
        f".origin_count = {len(policy.origins)}",
        f".any_origin = {'true' if policy.any_origin else 'false'}",
        f".credentials = {'true' if policy.credentials else 'false'}",
        f".methods = {mask}",
        f".headers = {name + '_headers' if policy.headers else 'NULL'}",
        f".header_count = {len(policy.headers)}",
        f".preflight_lines = {c_string(policy.preflight_lines())}",
        f".actual_lines = {c_string(policy.actual_lines())}",
    ]
    out.append(f"static const rs_cors {name} = {{" + ", ".join(fields) + "};")
    return out
