"""Clinicians, clients and their settings, saved speaker mappings, sharing, audit events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mendline.errors import InputError, NotFound, StoreError
from mendline.store import (
    get_client,
    get_or_create_client,
    get_or_create_clinician,
    list_audit_events,
    list_clients,
    load_speaker_mapping,
    record_audit,
    save_speaker_mapping,
    share_client,
    update_client_settings,
)
from mendline.transcript import Role


def test_get_or_create_clinician_is_idempotent(store) -> None:
    first = get_or_create_clinician(store, "dr.lee", display_name="Dr Lee", role="supervisor")
    again = get_or_create_clinician(store, "dr.lee", display_name="ignored")
    assert first == again
    assert (first.display_name, first.role, first.has_password) == ("Dr Lee", "supervisor",
                                                                     False)


@pytest.mark.parametrize(
    ("username", "role", "message"),
    [("", "clinician", "username"), ("dr.x", "boss", "role: expected one of")],
)
def test_clinician_fields_are_checked(store, username, role, message) -> None:
    with pytest.raises(InputError, match=message):
        get_or_create_clinician(store, username, role=role)


def test_client_codes_are_unique_per_clinician_only(store) -> None:
    for name in ("dr.lee", "dr.kim"):
        get_or_create_clinician(store, name)
    a = get_or_create_client(store, clinician="dr.lee", code="A17", display_name="S.")
    again = get_or_create_client(store, clinician="dr.lee", code="A17")
    other = get_or_create_client(store, clinician="dr.kim", code="A17")
    assert a == again and other.id != a.id
    assert [c.code for c in list_clients(store, "dr.lee")] == ["A17"]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"planned_sessions": 16}, {"planned_sessions": 16}),
        ({"planned_sessions": 16, "termination_from": 14},
         {"planned_sessions": 16, "termination_from": 14}),
        ({"stage_boundaries": {"middle": 4, "late": 10}},
         {"stage_boundaries": {"middle": 4, "late": 10}}),
        ({"planned_sessions": None}, {}),
    ],
)
def test_client_settings_are_stored(store, settings, expected) -> None:
    get_or_create_clinician(store, "dr.lee")
    client = get_or_create_client(store, clinician="dr.lee", code="A17", settings=settings)
    assert dict(client.settings) == expected
    assert dict(get_client(store, clinician="dr.lee", code="A17").settings) == expected


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"colour": "blue"}, "unknown colour"),
        ({"planned_sessions": 0}, "planned_sessions"),
        ({"planned_sessions": True}, "planned_sessions"),
        ({"stage_boundaries": {"middle": 9, "late": 5}}, "middle before late"),
        ({"stage_boundaries": {"early": 1}}, "stage_boundaries"),
    ],
)
def test_bad_client_settings_name_the_field(store, settings, message) -> None:
    get_or_create_clinician(store, "dr.lee")
    with pytest.raises(InputError, match=message):
        get_or_create_client(store, clinician="dr.lee", code="A17", settings=settings)


def test_update_client_settings_merges_and_clears(store) -> None:
    get_or_create_clinician(store, "dr.lee")
    get_or_create_client(store, clinician="dr.lee", code="A17",
                         settings={"planned_sessions": 12, "termination_from": 10})
    updated = update_client_settings(store, clinician="dr.lee", code="A17",
                                     planned_sessions=20, termination_from=None)
    assert dict(updated.settings) == {"planned_sessions": 20}


@pytest.mark.parametrize(
    ("saves", "expected"),
    [
        ([({"Dr Rowan": "therapist", "Sam": Role.CLIENT}, False)],
         {"Dr Rowan": Role.THERAPIST, "Sam": Role.CLIENT}),
        ([({"Dr Rowan": "therapist"}, False), ({"Sam": "client"}, False)],
         {"Dr Rowan": Role.THERAPIST, "Sam": Role.CLIENT}),
        ([({"Sam": "client"}, False), ({"Sam": "other"}, False)], {"Sam": Role.OTHER}),
        ([({"Dr Rowan": "therapist", "Sam": "client"}, False), ({"Jo": "client"}, True)],
         {"Jo": Role.CLIENT}),
    ],
)
def test_speaker_mapping_save_and_load(store, saves, expected) -> None:
    get_or_create_clinician(store, "dr.lee")
    get_or_create_clinician(store, "dr.kim")
    for mapping, replace in saves:
        save_speaker_mapping(store, "dr.lee", mapping, replace=replace)
    loaded = load_speaker_mapping(store, "dr.lee")
    assert loaded == expected
    assert all(isinstance(r, Role) for r in loaded.values())
    assert load_speaker_mapping(store, "dr.kim") == {}


def test_speaker_mapping_rejects_unknown_roles(store) -> None:
    get_or_create_clinician(store, "dr.lee")
    with pytest.raises(InputError, match="expected one of therapist, client, other"):
        save_speaker_mapping(store, "dr.lee", {"Sam": "patient"})
    assert load_speaker_mapping(store, "dr.lee") == {}


def test_share_needs_a_supervisor_and_is_idempotent(store) -> None:
    get_or_create_clinician(store, "dr.lee")
    get_or_create_clinician(store, "dr.kim")
    get_or_create_clinician(store, "dr.sup", role="supervisor")
    get_or_create_client(store, clinician="dr.lee", code="A17")
    first = share_client(store, clinician="dr.lee", code="A17", supervisor="dr.sup")
    assert share_client(store, clinician="dr.lee", code="A17", supervisor="dr.sup") == first
    with pytest.raises(InputError, match="supervisor role"):
        share_client(store, clinician="dr.lee", code="A17", supervisor="dr.kim")
    with pytest.raises(NotFound):
        share_client(store, clinician="dr.lee", code="NOPE", supervisor="dr.sup")


def test_audit_events_are_kept_newest_first(store) -> None:
    t0 = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
    record_audit(store, actor="dr.lee", action="session.import", object="client:A17/session:1",
                 at=t0)
    record_audit(store, actor="dr.lee", action="session.view", object="client:A17/session:1",
                 remote_addr="127.0.0.1", at=t0 + timedelta(minutes=5))
    record_audit(store, actor="dr.kim", action="login", object="-")
    events = list_audit_events(store, actor="dr.lee")
    assert [e.action for e in events] == ["session.view", "session.import"]
    assert events[0].at == t0 + timedelta(minutes=5) and events[0].remote_addr == "127.0.0.1"
    assert len(list_audit_events(store)) == 3


def test_naive_timestamps_are_refused(store) -> None:
    with pytest.raises(StoreError, match="timezone-aware"):
        record_audit(store, actor="x", action="y", object="z", at=datetime(2025, 1, 1))
