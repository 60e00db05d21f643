"""One CSV helper for every export: formulas neutralised, streamed inside the request's context."""
from __future__ import annotations

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from app.csvexport import FORMULA_STARTS, Euros, csv_lines, csv_response, safe_cell
from tests.factories import csv_rows


def test_cells_that_start_like_a_formula_get_an_apostrophe():
    for start in FORMULA_STARTS:
        assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell("Dubois") == "Dubois" and safe_cell("") == "" and safe_cell(None) == ""
    assert safe_cell(-3000) == -3000 and safe_cell(12.5) == 12.5  # numbers stay numbers


def test_amounts_are_euros_with_a_decimal_comma_and_never_neutralised():
    assert [safe_cell(Euros(c)) for c in (0, 5, 3000, 123456, -1234, -5)] == \
        ["0,00", "0,05", "30,00", "1234,56", "-12,34", "-0,05"]


def test_the_file_is_what_a_belgian_spreadsheet_opens():
    """A byte-order mark (UTF-8 for Excel), ``;`` between cells, a cell holding ``;`` quoted."""
    text = "".join(csv_lines(["Nom", "Montant"], [["Amélie; Dubois", Euros(4550)]]))
    assert text == '\ufeffNom;Montant\r\n"Amélie; Dubois";45,50\r\n'
    assert csv_rows(text) == [["Nom", "Montant"], ["Amélie; Dubois", "45,50"]]


@given(st.lists(st.lists(st.text(max_size=20), min_size=1, max_size=4), max_size=5))
def test_no_cell_of_any_text_starts_a_formula(rows):
    text = "".join(csv_lines(["a", "b"], rows, batch=2))
    for row in csv_rows(text)[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS)


def test_the_response_streams_a_generator_that_needs_the_app_context():
    app = Flask(__name__)

    def rows():
        from flask import current_app  # would raise outside the context (the register CSV's 500)
        yield [current_app.name, "=cmd"]

    @app.route("/x.csv")
    def export():
        return csv_response("x.csv", ["app", "cell"], rows())

    response = app.test_client().get("/x.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="x.csv"' in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True).splitlines() == ["\ufeffapp;cell", f"{app.name};'=cmd"]
