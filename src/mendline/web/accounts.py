"""User accounts for the web app: create, set passwords (argon2id), check a login.

The CLI's ``mendline user add`` calls ``add_user``; the admin page does too. Passwords are
hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended profile);
nothing here logs or raises with a password.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from mendline.errors import InputError
from mendline.store import Clinician, Store, get_or_create_clinician
from mendline.store.models import CLINICIAN_ROLES, ClinicianRow

__all__ = [
    "ROLES",
    "MIN_PASSWORD_CHARS",
    "add_user",
    "set_password",
    "verify_login",
    "list_users",
    "check_password_rules",
]

ROLES = CLINICIAN_ROLES
MIN_PASSWORD_CHARS = 10  # NIST SP 800-63B asks for at least 8; a little more costs little
_HASHER = PasswordHasher()
# Verified when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("mendline-no-such-user")


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(f"password: expected at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > 1024:
        raise InputError("password: expected at most 1024 characters")


def add_user(
    store: Store,
    username: str,
    password: str,
    role: str = "clinician",
    display_name: str | None = None,
) -> Clinician:
    """Create an account (or give an existing clinician record a password and this role).

    A username that already has a password is refused, so ``user add`` never silently
    resets someone's password.
    """
    if role not in ROLES:
        raise InputError(f"role: expected one of {', '.join(ROLES)}, got {role!r}")
    check_password_rules(password)
    hashed = _HASHER.hash(password)
    with store.transaction() as s:
        person = get_or_create_clinician(s, username, display_name=display_name, role=role)
        row = s.get(ClinicianRow, person.id)
        assert row is not None
        if row.password_hash is not None:
            raise InputError(f"username: {person.username!r} already has an account")
        row.password_hash, row.role = hashed, role
        if display_name:
            row.display_name = display_name
        s.flush()
        return _record(row)


def set_password(store: Store, username: str, password: str) -> None:
    """Replace an existing account's password."""
    check_password_rules(password)
    hashed = _HASHER.hash(password)
    with store.transaction() as s:
        row = s.scalar(select(ClinicianRow).where(ClinicianRow.username == username.strip()))
        if row is None:
            raise InputError(f"username: no account called {username.strip()!r}")
        row.password_hash = hashed


def verify_login(store: Store, username: str, password: str) -> Clinician | None:
    """The account when the password is right, else None (same time either way)."""
    with store.transaction() as s:
        row = s.scalar(select(ClinicianRow).where(ClinicianRow.username == username.strip()))
        stored = row.password_hash if row is not None else None
        try:
            _HASHER.verify(stored or _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or stored is None:
            return None
        if _HASHER.check_needs_rehash(stored):
            row.password_hash = _HASHER.hash(password)
        return _record(row)


def list_users(store: Store) -> list[Clinician]:
    with store.transaction() as s:
        rows = s.scalars(select(ClinicianRow).order_by(ClinicianRow.username))
        return [_record(r) for r in rows]


def _record(row: ClinicianRow) -> Clinician:
    return Clinician(row.id, row.username, row.display_name, row.role, row.created_at,
                     row.password_hash is not None)
