"""Text survives a CSV export and comes back as written; report paths."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from vmon.registry.report import default_report_path
from vmon.registry.sheetio import _csv_value
from vmon.registry.values import parse_text

TEXT = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
    .map(lambda text: " ".join(text.split()))
    .filter(bool)
)


@given(TEXT)
def test_formula_escaping_round_trips(text: str) -> None:
    written = _csv_value(text)
    assert not str(written).startswith(("=", "+", "-", "@"))
    assert parse_text(written, 1000) == text


def test_text_that_really_starts_with_an_apostrophe() -> None:
    for text in ("'=x", "'abc", "''"):
        assert parse_text(_csv_value(text), 100) == text


def test_report_goes_next_to_the_input() -> None:
    assert default_report_path(Path("/d/点位表.xlsx")) == Path("/d/点位表.errors.xlsx")
    assert default_report_path(Path("/d/cams.CSV")) == Path("/d/cams.errors.csv")
    assert default_report_path(Path("/d/old.xls")) == Path("/d/old.errors.xlsx")
