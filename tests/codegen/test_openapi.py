"""`ringspec openapi`: the document parses, has the OpenAPI 3.1 structure (required fields,
every $ref resolves, every path template parameter declared, every schema a valid JSON
Schema 2020-12 per python3-jsonschema's meta-schema), and its paths, methods and
parameters are those `ringspec routes` prints for the same spec.

(No OpenAPI 3.1 meta-schema is packaged for Debian, so the document-level rules are checked
here; tests/conformance/test_openapi_live.py checks real replies against its schemas.)
"""

from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator

from conftest import REPO, SPECS, ringspec

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
STATUS_KEY = re.compile(r"[1-5][0-9][0-9]|[1-5]XX|default")


def _specs() -> list:
    """Every spec of the repo that `ringspec check` accepts (the broken ones are in errors/)."""
    found = sorted([*REPO.glob("spec/**/*.toml"), *SPECS.glob("*.toml"),
                    *REPO.glob("tests/conformance/specs/**/*.toml")])
    return [s for s in found if ringspec("check", s).returncode == 0]


SPEC_FILES = _specs()


def openapi(spec, *extra) -> dict:
    result = ringspec("openapi", spec, *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def resolve(doc: dict, ref: str):
    assert ref.startswith("#/"), f"external $ref {ref}"
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"$ref {ref} does not resolve"
        node = node[part]
    return node


def refs_in(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs_in(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs_in(v)


def schemas_in(doc: dict):
    """Every Schema Object of the document: components, parameters, bodies, responses."""
    yield from doc["components"].get("schemas", {}).values()
    responses = list(doc["components"].get("responses", {}).values())
    for item in doc["paths"].values():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            yield from (p["schema"] for p in op.get("parameters", []) if "schema" in p)
            body = op.get("requestBody", {})
            yield from (m["schema"] for m in body.get("content", {}).values() if "schema" in m)
            responses += op["responses"].values()
    for r in responses:
        yield from (m["schema"] for m in r.get("content", {}).values() if "schema" in m)
        yield from (h["schema"] for h in r.get("headers", {}).values() if "schema" in h)


def check_structure(doc: dict) -> None:
    """The OpenAPI 3.1 rules a document of ours could break."""
    assert doc["openapi"].startswith("3.1.")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert all(s["url"] for s in doc["servers"])
    for ref in refs_in(doc):
        resolve(doc, ref)
    operation_ids = []
    for path, item in doc["paths"].items():
        assert path.startswith("/")
        templated = re.findall(r"\{([^}]+)\}", path)
        assert len(set(templated)) == len(templated), path
        ops = {m: op for m, op in item.items() if m in METHODS}
        assert ops and set(item) <= set(METHODS), path
        for method, op in ops.items():
            operation_ids.append(op["operationId"])
            params = [resolve(doc, p["$ref"]) if "$ref" in p else p for p in op.get("parameters", [])]
            for p in params:
                assert p["in"] in ("path", "query", "header", "cookie") and p["name"]
                assert "schema" in p or "content" in p
            keys = [(p["name"].lower() if p["in"] == "header" else p["name"], p["in"]) for p in params]
            assert len(set(keys)) == len(keys), (path, method, keys)
            in_path = [p for p in params if p["in"] == "path"]
            assert sorted(p["name"] for p in in_path) == sorted(templated), (path, method)
            assert all(p["required"] is True for p in in_path)
            if "requestBody" in op:
                assert op["requestBody"]["content"]
            assert op["responses"], (path, method)
            for status, response in op["responses"].items():
                assert STATUS_KEY.fullmatch(status), status
                response = resolve(doc, response["$ref"]) if "$ref" in response else response
                assert isinstance(response.get("description"), str), (path, method, status)
    assert len(set(operation_ids)) == len(operation_ids)
    for schema in schemas_in(doc):
        Draft202012Validator.check_schema(schema)


def routes_table(spec, *extra) -> dict:
    """`ringspec routes` as {openapi path: (methods, {(source, name)})}."""
    out = ringspec("routes", spec, *extra)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n\n")[0].splitlines()  # the listeners follow a blank line
    header = lines[0]
    cols = [header.index(c) for c in ("METHODS", "PATH", "PARAMS", "REPLY")]
    table = {}
    for line in lines[1:]:
        methods, path, params = (line[a:b].strip() for a, b in zip(cols, cols[1:]))
        if path.endswith("*"):
            path = path[:-1] + "{path}"  # a static prefix route
        path = re.sub(r"\{([^}:]+):[^}]*\}", r"{\1}", path)
        declared = set()
        if params != "-":
            # Each parameter starts with its source; its constraints may hold ", " (an enum, a pattern).
            for p in re.split(r", (?=(?:path|query|header|body) )", params):
                words = p.split(":")[0].split(" ")  # "query m", "body body", or "body" (a JSON body)
                declared.add((words[0], words[-1]))
        # Routes sharing a path (one per method) are one OpenAPI path item.
        known_methods, known_params = table.setdefault(path, (set(), set()))
        known_methods.update(m.lower() for m in methods.split(", "))
        known_params.update(declared)
    return table


def document_table(doc: dict) -> dict:
    table = {}
    for path, item in doc["paths"].items():
        methods = {m for m in item if m in METHODS}
        declared = set()
        for op in item.values():
            for p in op.get("parameters", []):
                declared.add((p["in"], p["name"].replace("-", "_")))
            body = op.get("requestBody")
            if body is not None:
                declared.add(("body", "body"))
        table[path] = (methods, declared)
    return table


def test_there_are_specs_to_check():
    names = {s.name for s in SPEC_FILES}
    assert {"arena.toml", "params.toml", "every_key.toml"} <= names


@pytest.mark.parametrize("spec", SPEC_FILES, ids=lambda s: s.name)
def test_document_has_the_openapi_31_structure(spec):
    check_structure(openapi(spec))


@pytest.mark.parametrize("spec", SPEC_FILES, ids=lambda s: s.name)
def test_document_matches_the_route_table(spec):
    doc = openapi(spec)
    expected = routes_table(spec)
    actual = document_table(doc)
    assert actual.keys() == expected.keys()
    for path, (methods, params) in expected.items():
        assert actual[path][0] == methods, path
        if path.endswith("{path}") and "{path}" not in path[:-6]:
            params = params | {("path", "path")}  # the file path under a static prefix
        if ("websocket" in json.dumps(doc["paths"][path])):
            params = params | {(s, n) for s, n in actual[path][1] if s == "header"}  # the handshake's
        assert actual[path][1] == params, path


def test_profile_selects_routes_and_writes_a_file(tmp_path):
    out = tmp_path / "api.json"
    result = ringspec("openapi", "spec/arena.toml", "--profile", "json", "-o", out)
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text())
    check_structure(doc)
    assert list(doc["paths"]) == ["/json/{count}"]
    assert doc["info"]["title"] == "arena (json)"
    assert document_table(doc) == routes_table("spec/arena.toml", "--profile", "json")


def test_arena_document_details():
    doc = openapi("spec/arena.toml")
    json_op = doc["paths"]["/json/{count}"]["get"]
    m = next(p for p in json_op["parameters"] if p["name"] == "m")
    assert m == {"name": "m", "in": "query", "required": False,
                 "schema": {"type": "integer", "format": "int64", "default": 1}}
    body = json_op["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["required"] == ["items", "count"]
    item = body["properties"]["items"]["items"]
    assert resolve(doc, item["allOf"][0]["$ref"])["properties"]["rating"] == {"$ref": "#/components/schemas/Rating"}
    assert item["allOf"][1]["properties"]["total"]["type"] == "integer"  # the computed field
    upload = doc["paths"]["/upload"]["post"]
    assert list(upload["requestBody"]["content"]) == ["application/octet-stream"]
    assert "413" in upload["responses"]
    ws = doc["paths"]["/ws"]["get"]
    assert "101" in ws["responses"] and "websocket" in ws["description"].lower()
    static = doc["paths"]["/static/{path}"]["get"]
    assert {"200", "304", "404"} <= set(static["responses"])
    assert doc["servers"] == [{"url": "http://localhost:8080", "description": "main: http1, websocket, h2c"},
                              {"url": "http://localhost:8082", "description": "h2c: h2c"},
                              {"url": "https://localhost:8081", "description": "tls: http1, websocket"},
                              {"url": "https://localhost:8443", "description": "h2: http1, h2"}]


def test_constraints_and_renamed_violations(tmp_path):
    doc = openapi(REPO / "tests" / "conformance" / "specs" / "constraints.toml")
    check_structure(doc)
    op = doc["paths"]["/items/{id}"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert params["id"]["schema"] == {"type": "integer", "format": "int64", "minimum": 1, "maximum": 1000}
    assert params["limit"]["schema"] == {"type": "integer", "format": "int64", "minimum": 1, "maximum": 100,
                                         "default": 10}
    assert params["sort"]["schema"] == {"type": "string", "enum": ["price", "name"], "maxLength": 256,
                                        "default": "name"}
    assert params["q"]["required"] is False
    assert params["q"]["schema"]["pattern"] == "^(?:[a-z][a-z0-9_-]*)$"
    assert params["q"]["schema"]["minLength"] == 2 and params["q"]["schema"]["maxLength"] == 16
    assert params["x-api-key"]["in"] == "header" and params["x-api-key"]["required"] is True
    assert params["x-n"]["schema"]["enum"] == [1, 2, 3]
    violations = doc["components"]["schemas"]["Violations"]
    assert violations["properties"]["error"]["const"] == "bad parameters"
    item = violations["properties"]["violations"]["items"]
    assert item["required"] == ["in", "name", "what", "expected"]  # fields = { where = "in" }


def test_openapi_help_and_bad_profile():
    assert ringspec("openapi", "--help").returncode == 0
    result = ringspec("openapi", "spec/arena.toml", "--profile", "nope")
    assert result.returncode == 1 and 'no profile "nope"' in result.stderr
