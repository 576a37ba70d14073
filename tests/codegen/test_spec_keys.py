"""The key registry (codegen/spec/spec_keys.py) is what the validator accepts, no more, no less.

* every fixed key of every table appears in specs/every_key.toml, which must validate: a
  documented key the validator refuses fails here (and a new key must be added there);
* an unknown key in each table is RS010 and its hint lists exactly the registry's keys, so
  the validator cannot keep a private list that accepts an undocumented key.
"""

from __future__ import annotations

import re
import tomllib

import pytest

from conftest import SPECS, ringspec
from codegen.spec import profile_tuning, spec_keys
from codegen.spec.diagnostics import SpecErrors
from codegen.spec.model import Violations
from codegen.spec.spec_loader import load
from codegen.spec.validate import validate_all

EVERY_KEY = SPECS / "every_key.toml"
# The one-listener shorthand, which every_key.toml cannot use beside [[server.listen]].
SHORTHAND = '[server]\nport = 18080\nprotocols = ["http1", "websocket", "h2c"]\n[[route]]\npath = "/a"\nreply = { text = "x" }\n'


def _tables_in(data: dict) -> dict:
    """Registry table title -> the key names specs/every_key.toml uses in such tables."""
    used: dict[str, set] = {t.title: set() for t in spec_keys.TABLES}
    used["top level"] |= set(data)
    server = data["server"]
    used["[server]"] |= set(server) | set(tomllib.loads(SHORTHAND)["server"])
    for listener in server.get("listen", []):
        used["[[server.listen]]"] |= set(listener)
        used["[server.listen] tls"] |= set(listener.get("tls", {}))
    for sub, title in (("limits", "[server.limits]"), ("timeouts", "[server.timeouts]"),
                       ("buffers", "[server.buffers]"), ("violations", "[server.violations]")):
        used[title] |= set(server[sub])
    used["[server.violations.fields]"] |= set(server["violations"]["fields"])
    used["[server.cors]"] |= set(server["cors"])
    used["[server.log]"] |= set(server["log"])
    for route in data["route"]:
        used["[[route]]"] |= set(route)
        for table in (*route.get("query", {}).values(), *route.get("headers", {}).values(),
                      *route.get("path_params", {}).values()):
            if isinstance(table, dict):
                used["parameter table"] |= set(table)
        used["[route.reply]"] |= set(route.get("reply", {}))
        used["[route.compress]"] |= set(route.get("compress", {}))
        used["[route.static]"] |= set(route.get("static", {}))
        used["[route.redirect]"] |= set(route.get("redirect", {}))
        if isinstance(route.get("body"), dict):
            used["[route.body]"] |= set(route["body"])
        for case in route.get("test", []):
            used["[[route.test]]"] |= set(case)
        for response in route.get("response", []):
            used["[[route.response]]"] |= set(response)
    for shape in data["shape"].values():
        for field in shape.values():
            if isinstance(field, dict):
                used["shape field table"] |= set(field)
    for error in data["error"].values():
        used["[error.NAME]"] |= set(error)
    used["[error_body]"] |= set(data["error_body"])
    for data_source in data["data"].values():
        used["[data.NAME]"] |= set(data_source)
    for profile in data["profile"].values():
        used["[profile.NAME]"] |= set(profile)
    used["[database]"] |= set(data.get("database", {}))
    for statement in data.get("sql", {}).values():
        used["[sql.NAME]"] |= set(statement)
    for cache in data.get("cache", {}).values():
        used["[cache.NAME]"] |= set(cache)
    used["[grpc]"] |= set(data.get("grpc", {}))
    for message in data.get("message", {}).values():
        for field in message.values():
            used["[message.NAME] field"] |= set(field)
    for service in data.get("service", {}).values():
        for method in service.values():
            used["[service.NAME.METHOD]"] |= set(method)
    return used


def test_every_documented_key_is_used_by_the_every_key_spec():
    used = _tables_in(tomllib.loads(EVERY_KEY.read_text()))
    for table in spec_keys.TABLES:
        missing = set(table.names) - used[table.title]
        assert not missing, f"{table.title}: add {sorted(missing)} to {EVERY_KEY.name}"


def test_the_every_key_spec_validates():
    source = load(str(EVERY_KEY))
    try:
        spec, warnings = validate_all(source)
        profile_tuning.check(source, spec)
    except SpecErrors as exc:
        pytest.fail("\n".join(e.format(EVERY_KEY.name, exc.lines) for e in exc.errors))
    assert spec.server.limits.ws_message == 65536 and spec.server.limits.buffered == 8388608
    assert spec.violations.list_key == "problems"
    assert [e.code for e in warnings if e.code == "RS010"] == []


def test_the_every_key_spec_builds(tmp_path):
    """Compiled with -Werror, its handler (specs/handlers/custom.c) included: a route whose
    handler takes no parameters once generated an unused rs_p."""
    result = ringspec("build", EVERY_KEY, "-o", tmp_path / "build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "build" / "server").is_file()


ROUTE = '[[route]]\npath = "/a"\n'
REPLY = 'reply = { text = "x" }\n'
# Registry table -> a spec with an unknown key "zzq" in that table.
UNKNOWN_KEY_SPECS = {
    "top level": "zzq = 1\n" + ROUTE + REPLY,
    "[server]": "[server]\nzzq = 1\n" + ROUTE + REPLY,
    "[server.limits]": "[server.limits]\nzzq = 1\n" + ROUTE + REPLY,
    "[[server.listen]]": "[[server.listen]]\nport = 1\nzzq = 1\n" + ROUTE + REPLY,
    "[server.listen] tls": '[[server.listen]]\nport = 1\ntls = { cert = "c", key = "k", zzq = 1 }\n' + ROUTE + REPLY,
    "[server.timeouts]": "[server.timeouts]\nzzq = 1\n" + ROUTE + REPLY,
    "[server.buffers]": "[server.buffers]\nzzq = 1\n" + ROUTE + REPLY,
    "[server.violations]": "[server.violations]\nzzq = 1\n" + ROUTE + REPLY,
    "[server.cors]": '[server.cors]\norigins = "*"\nzzq = 1\n' + ROUTE + REPLY,
    "[server.log]": '[server.log]\npath = "-"\nzzq = 1\n' + ROUTE + REPLY,
    "[server.violations.fields]": "[server.violations.fields]\nzzq = \"x\"\n" + ROUTE + REPLY,
    "[[route]]": ROUTE + REPLY + "zzq = 1\n",
    "parameter table": ROUTE + REPLY + 'query = { a = { type = "int", zzq = 1 } }\n',
    "[route.reply]": ROUTE + 'reply = { text = "x", zzq = 1 }\n',
    "[route.compress]": ROUTE + 'compress = { gzip = 1, zzq = 1 }\nreply = { json = { n = "1" } }\n',
    "[route.static]": '[[route]]\npath = "/s/"\nstatic = { dir = "/data/static", zzq = 1 }\n',
    "[route.body]": '[shape.P]\na = "int"\n[[route]]\npath = "/a"\nmethods = ["POST"]\n'
                    'body = { shape = "P", zzq = 1 }\n' + REPLY,
    "shape field table": '[shape.P]\na = { type = "int", zzq = 1 }\n' + ROUTE + REPLY,
    "[[route.test]]": ROUTE + REPLY + '[[route.test]]\nrequest = "GET /a"\nstatus = 200\nzzq = 1\n',
    "[data.NAME]": '[shape.P]\na = "int"\n[data.d]\nfile = "/data/d.json"\ntype = "[P]"\nzzq = 1\n' + ROUTE + REPLY,
    "[profile.NAME]": ROUTE + REPLY + '[profile.p]\nroutes = ["/a"]\nzzq = 1\n',
    "[[route.response]]": ROUTE + 'handler = "h"\n[[route.response]]\nstatus = 200\nzzq = 1\n',
    "[error.NAME]": "[error.e]\nstatus = 404\nzzq = 1\n" + ROUTE + REPLY,
    "[error_body]": "[error_body]\nzzq = 1\n" + ROUTE + REPLY,
    "[route.redirect]": ROUTE + 'redirect = { location = "/b", zzq = 1 }\n',
    "[database]": "[database]\nzzq = 1\n" + ROUTE + REPLY,
    "[sql.NAME]": '[database]\n[sql.s]\ntext = "SELECT 1"\nzzq = 1\n' + ROUTE + REPLY,
    "[cache.NAME]": "[cache.c]\nzzq = 1\n" + ROUTE + REPLY,
    "[grpc]": "[grpc]\nzzq = 1\n" + ROUTE + REPLY,
    "[message.NAME] field": '[message.M]\na = { number = 1, type = "int32", zzq = 1 }\n' + ROUTE + REPLY,
    "[service.NAME.METHOD]": '[message.M]\na = { number = 1, type = "int32" }\n[service.S.Get]\nrequest = "M"\n'
                             'response = "M"\nreply = { a = "a" }\nzzq = 1\n' + ROUTE + REPLY,
}


@pytest.mark.parametrize("title", list(UNKNOWN_KEY_SPECS))
def test_an_unknown_key_lists_exactly_the_registry_keys(tmp_path, title):
    table = next(t for t in spec_keys.TABLES if t.title == title)
    spec = tmp_path / "t.toml"
    spec.write_text(UNKNOWN_KEY_SPECS[title])
    with pytest.raises(SpecErrors) as caught:
        validate_all(load(str(spec)))
    [error] = [e for e in caught.value.errors if e.key.endswith("zzq")]
    assert error.code in ("RS010", "RS050")  # RS050: a [data] table's own id
    listed = re.search(r"expected one of: ([^)]*)", f"{error.message} {error.hint or ''}").group(1)
    assert listed.strip().split(", ") == list(table.names)


def test_every_table_with_fixed_keys_has_an_unknown_key_case():
    fixed = {t.title for t in spec_keys.TABLES if t.names}
    assert fixed == set(UNKNOWN_KEY_SPECS)


def test_websocket_route_keys_are_route_keys():
    for subset in (spec_keys.STATIC_ROUTE_KEYS, spec_keys.WEBSOCKET_ROUTE_KEYS, spec_keys.PATH_PARAM_KEYS):
        assert set(subset) <= set(spec_keys.ROUTE.names) | set(spec_keys.PARAM.names)


def test_violation_fields_are_the_model_members():
    assert spec_keys.VIOLATION_FIELDS.names == tuple(name for name, _ in Violations().fields)


def test_every_key_has_a_type_and_a_meaning():
    for table in spec_keys.TABLES:
        assert table.about, table.title
        for name, key in table.keys.items():
            assert key.type and key.meaning and key.default is not None, (table.title, name)
            if key.bounds is not None and isinstance(key.default, int):
                low, high = key.bounds
                assert low <= key.default <= high, (table.title, name)
