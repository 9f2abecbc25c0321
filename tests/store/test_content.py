"""Session content goes through mendline.store.content and nowhere else."""

from __future__ import annotations

import pytest
from sqlalchemy import Text

from mendline.store.content import SensitiveJSON, SensitiveText
from mendline.store.models import Base

CONTENT = {
    ("utterances", "text"), ("markers", "evidence"), ("markers", "why"),
    ("repairs", "evidence"), ("repairs", "why"), ("episodes", "evidence"),
    ("feedback", "note"), ("comments", "body"), ("analyses", "result"),
    ("utterances", "speaker"), ("speaker_mappings", "label"),
}


@pytest.mark.parametrize(("table", "column"), sorted(CONTENT))
def test_content_columns_use_the_sensitive_types(table: str, column: str) -> None:
    col = Base.metadata.tables[table].columns[column]
    assert isinstance(col.type, SensitiveText | SensitiveJSON)


def test_no_other_column_holds_free_text() -> None:
    plain_text = {
        (t.name, c.name)
        for t in Base.metadata.sorted_tables
        for c in t.columns
        if isinstance(c.type, Text) and not isinstance(c.type, SensitiveText)
    }
    assert plain_text == {("audit_events", "detail")}  # documented: never holds content
