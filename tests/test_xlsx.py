"""The XLSX writer: what a spreadsheet shows, read back with openpyxl (an independent reader)."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from workbench.errors import WorkbenchError
from workbench.export.tables import XLSX_CELL_LIMIT, write_xlsx


def test_sheets_headers_formats_and_values(tmp_path):
    matrix = pd.DataFrame(
        {"Barriers": [0.5, 0.25], "Outcomes": [1.0, None]}, index=pd.Index(["=Site A", "Site B"], name="site")
    )
    excerpts = pd.DataFrame(
        {
            "code": pd.Categorical(["Barriers", "Barriers", "Outcomes"]),
            "start": [0, 10, 20],
            "count": pd.array([1, None, 3], dtype="Int64"),
            "text": ["+1 more", "a long passage " * 10, None],
        },
        index=pd.Index(["Site A", "Site A", "Site B"], name="row (site)"),
    )
    path = tmp_path / "t.xlsx"
    write_xlsx(path, [("Matrix", matrix), ("Excerpts", excerpts)], wrap_columns={"text"})
    book = load_workbook(path)
    assert book.sheetnames == ["Matrix", "Excerpts"]
    sheet = book["Matrix"]
    assert sheet.freeze_panes == "B2"
    assert [c.value for c in sheet[1]] == ["site", "Barriers", "Outcomes"]
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("DDE4EE")
    assert [c.value for c in sheet[2]] == ["'=Site A", 0.5, 1] and sheet["B2"].number_format == "0%"
    assert sheet["C3"].value is None  # missing stays empty
    sheet = book["Excerpts"]
    assert sheet.freeze_panes == "B2" and sheet.max_row == 4
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert rows == [
        ["Site A", "Barriers", 0, 1, "'+1 more"],
        ["Site A", "Barriers", 10, None, "a long passage " * 10],
        ["Site B", "Outcomes", 20, 3, None],
    ]
    assert sheet["E2"].alignment.wrap_text and sheet.column_dimensions["E"].width >= 80


def test_text_over_excels_cell_limit_is_cut_with_a_note(tmp_path):
    long = "word " * 10_000  # 50,000 characters: more than a cell holds
    path = tmp_path / "t.xlsx"
    write_xlsx(path, [("Excerpts", pd.DataFrame({"text": [long, "short"]}))])
    values = [c.value for c in load_workbook(path)["Excerpts"]["B"]]
    assert values[2] == "short"
    assert len(values[1]) == XLSX_CELL_LIMIT and values[1].startswith(long[:30_000])
    assert values[1].endswith("[… cut: the full text has 50,000 characters; a cell holds 32,767]")


def test_an_empty_sheet_keeps_its_header(tmp_path):
    path = tmp_path / "t.xlsx"
    write_xlsx(path, [("Excerpts", pd.DataFrame({"code": [], "text": []}).set_index("code"))])
    assert [[c.value for c in row] for row in load_workbook(path)["Excerpts"].iter_rows()] == [["code", "text"]]


def test_an_unwritable_path_is_a_clear_error(tmp_path):
    with pytest.raises(WorkbenchError, match="does not exist"):
        write_xlsx(tmp_path / "no such folder" / "t.xlsx", [("S", pd.DataFrame({"a": [1]}))])
