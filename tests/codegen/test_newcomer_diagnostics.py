"""Diagnostics for the mistakes a first spec makes (found building a "books" API from the
README): a type name from another language gets a "did you mean" and no follow-on errors;
an unknown item field lists the shape's fields; len(...) inside arithmetic says what is
allowed, without the {hole} syntax of text templates; a string parameter in an int
expression is RS041 (a field or {hole} of it alone is its text, len() its length; issue 17),
in a data query's slice bound warning RS091; TOML 1.0's one-line
inline tables, its refusal of a trailing comma there, and a comma after a value are named."""

from conftest import ringspec

BOOKS = """[shape.Book]
id = "int"
title = "string"
author = "string"
year = "{year_type}"

[data.books]
file = "/data/books.json"
type = "[Book]"

[[route]]
path = "/books"
[route.query]
since = "int = 0"
limit = "int = 10"
offset = "int = 0"
author = {{ type = "string", required = false }}
order = {{ type = "string", enum = ["year", "title"], default = "year" }}
[route.reply.let]
found = "{found}"
[route.reply.json]
{fields}
"""
FOUND = "books where item.year >= since order by year"


def check(tmp_path, text):
    spec = tmp_path / "books.toml"
    spec.write_text(text)
    result = ringspec("check", spec.name, cwd=tmp_path)
    return result.returncode, result.stderr.splitlines()


def books(tmp_path, year_type="int", found=FOUND, fields='items = "found"'):
    return check(tmp_path, BOOKS.format(year_type=year_type, found=found, fields=fields))


def test_another_languages_type_name_suggests_ours_and_is_reported_once(tmp_path):
    status, lines = books(tmp_path, year_type="integer", fields='items = "found"\ntotal = "len(found)"')
    assert status == 1
    assert lines[0] == 'books.toml:5:8: error[RS050]: shape.Book.year: unknown shape "integer" (known: Book)'
    assert lines[3] == ('  = hint: did you mean "int"? types are "int", "string", "bool", "[T]" (an array) '
                        'or a shape name')
    # the query's uses of year are checked as int: no cascade (RS090 warnings for the unused
    # parameters aside)
    assert sum("error[" in line for line in lines) == 1 and lines[-1].startswith("1 error,")


def test_a_misspelt_shape_name_suggests_the_shape(tmp_path):
    text = BOOKS.format(year_type="int", found=FOUND, fields='items = "found"') + '\n[shape.Shelf]\nbooks = "[Bok]"\n'
    status, lines = check(tmp_path, text)
    assert status == 1 and '  = hint: did you mean "Book"? ' in "\n".join(lines)
    assert sum("error[" in line for line in lines) == 1


def test_an_unknown_item_field_lists_the_fields(tmp_path):
    status, lines = books(tmp_path, found="books where item.writer == query.author")
    assert status == 1
    assert lines[0] == ('books.toml:20:22: error[RS041]: route[0].reply.let.found: "writer" is not a field of '
                        'Book (fields: id, title, author, year)')
    status, lines = books(tmp_path, found="books where item.autor == query.author")
    assert '  = hint: did you mean "item.author"?' in lines


def test_len_inside_arithmetic_says_what_is_allowed(tmp_path):
    status, lines = books(tmp_path, fields='total = "len(found) + title"')
    assert status == 1
    assert lines[0] == ("books.toml:22:10: error[RS041]: route[0].reply.json.total: len(...) is a field's whole "
                        'value (total = "len(matches)"); it cannot be part of arithmetic')
    assert lines[2].endswith("^^^^")  # the caret under "len("
    assert not any("{" in line for line in lines[:1])  # no {hole} syntax: json fields have none


def test_a_bad_json_field_expression_quotes_it_without_braces(tmp_path):
    status, lines = books(tmp_path, fields='page = "offset / (limit"')
    assert status == 1
    assert lines[0] == ("books.toml:22:8: error[RS041]: route[0].reply.json.page: bad expression "
                        "\"offset / (limit\": missing ')'")


def test_string_parameters_in_int_expressions(tmp_path):
    # A json field's arithmetic refuses a string (issue 17: a field "author" alone writes its
    # text, len(author) its length); a data query's slice bound still only warns (RS091).
    status, lines = books(tmp_path, fields='page = "offset / limit + author"')
    assert status == 1
    assert lines[0] == ('books.toml:22:8: error[RS041]: route[0].reply.json.page: "author" is a string: write '
                        'a field "author" for its text, or len(author) for its length')
    status, lines = books(tmp_path, fields='sort = "order"\nwho = "author"\nn = "len(author)"')
    assert status == 0 and not any("RS091" in line for line in lines)
    status, lines = books(tmp_path, fields='items = "found[0 : limit + author]"')
    assert status == 0  # warnings: the build goes on
    assert 'warning[RS091]: route[0].reply.json.items: "author" is a string' in "\n".join(lines)
    # comparing or ordering by them reads their text: no warning
    status, lines = books(tmp_path, found="books where (author is absent or item.author == query.author) "
                          "order by order", fields='items = "found[offset : offset + limit]"')
    assert status == 0 and not any("RS091" in line for line in lines)


def test_string_parameter_in_a_text_template_is_refused(tmp_path):
    spec = '[[route]]\npath = "/x"\nquery = { s = "string" }\nreply = { text = "{s * 2}" }\n'
    status, lines = check(tmp_path, spec)
    assert status == 1
    assert lines[0] == ('books.toml:4:18: error[RS041]: route[0].reply.text: "s" is a string: write {s} alone '
                        "for its text, or len(s) for its length")


def test_toml_1_0_inline_tables_and_commas_are_named(tmp_path):
    cases = {
        '[[route]]\npath = "/x"\nquery = { a = "int", }\nreply = { text = "x" }\n':
            "TOML 1.0 allows no trailing comma in an inline table",
        '[[route]]\npath = "/x"\nquery = { a = "int",\n  b = "int" }\nreply = { text = "x" }\n':
            "TOML 1.0 inline tables stay on one line",
        '[[route]]\npath = "/x"\nquery = { a = "int"\n  , b = "int" }\nreply = { text = "x" }\n':
            "TOML 1.0 inline tables stay on one line",
        '[server]\nport = 8080,\n': "a value ends its line: remove this comma",
    }
    for spec, hint in cases.items():
        status, lines = check(tmp_path, spec)
        assert status == 1 and lines[0].startswith("books.toml:") and "error[RS001]: syntax" in lines[0], lines
        assert lines[3].startswith(f"  = hint: {hint}"), (spec, lines)
    # a brace or comma inside a string is not one of these
    status, lines = check(tmp_path, '[[route]]\npath = "/x"\nreply = { text = "a, }", type = "text/plain" x }\n')
    assert status == 1 and not any("TOML 1.0" in line for line in lines)
