"""The shipped migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect

from mendline.store import open_store
from mendline.store.migrate import alembic_config, current_revision, head_revision
from mendline.store.models import Base

TABLES = {
    "clinicians", "clients", "sessions", "utterances", "speaker_mappings", "analyses",
    "markers", "repairs", "episodes", "attendance", "measures", "feedback", "shares",
    "comments", "audit_events",
}


def _diffs(store, metadata: MetaData) -> list:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_migrated_schema_matches_models(bare_db_url: str) -> None:
    with open_store(bare_db_url) as store:
        assert _diffs(store, Base.metadata) == []
        names = set(inspect(store.engine).get_table_names())
    assert names == TABLES | {"alembic_version"}


def _with_extra_column() -> MetaData:
    extra = MetaData()
    for table in Base.metadata.sorted_tables:
        copy = table.to_metadata(extra)
        if table.name == "clients":
            copy.append_column(Column("not_migrated", Integer))
    return extra


def _without_table() -> MetaData:
    reduced = MetaData()
    for table in Base.metadata.sorted_tables:
        if table.name != "comments":
            table.to_metadata(reduced)
    return reduced


@pytest.mark.parametrize(
    ("make_metadata", "expected_kind"),
    [(_with_extra_column, "add_column"), (_without_table, "remove_table")],
)
def test_comparison_would_notice_a_drift(store, make_metadata, expected_kind) -> None:
    kinds = {d[0] if isinstance(d, tuple) else d[0][0] for d in _diffs(store, make_metadata())}
    assert expected_kind in kinds


def test_schema_is_at_head_and_downgrade_removes_everything(bare_db_url: str) -> None:
    store = open_store(bare_db_url)
    try:
        with store.engine.begin() as conn:
            assert current_revision(conn) == head_revision() == "0001"
            command.downgrade(alembic_config(conn), "base")
        assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    finally:
        store.close()
    with open_store(bare_db_url) as again:
        assert set(inspect(again.engine).get_table_names()) == TABLES | {"alembic_version"}
