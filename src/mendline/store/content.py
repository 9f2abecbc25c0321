"""The one place where session content meets the database.

Everything that records what was said in a session, or by whom (utterance text, speaker
labels, evidence quotes, the ``why`` lines that may quote words, the whole analysis JSON,
clinicians' notes and comments) is stored through the column types defined here. Under
HIPAA that material is closest to *psychotherapy notes* (45 CFR §164.501) and the technical
safeguards ask for encryption at rest (45 CFR §164.312); routing it through one type means
encryption can be added in this module alone, later, without touching models, queries or
callers.

**Today these types are the identity**: values are stored as plain text / JSON. Nothing
here encrypts yet. Whoever adds encryption changes ``process_bind_param`` /
``process_result_value`` (and, if the ciphertext is binary, the ``impl`` plus one Alembic
migration that rewrites the columns); nothing else in Mendline needs to change.

Nothing in this module logs or raises with the values it handles.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["SensitiveText", "SensitiveJSON"]


class SensitiveText(TypeDecorator[str]):
    """Session content as text (utterance text, evidence, notes, comments).

    Identity today: the string is stored as it is. See the module docstring.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return value

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return value


class SensitiveJSON(TypeDecorator[Any]):
    """Session content as a JSON document (the stored ``SessionAnalysis``).

    Identity today: stored as JSON (JSONB on PostgreSQL). See the module docstring.
    """

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB())
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return value
