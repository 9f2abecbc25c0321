"""Speaker roles: explicit, saved, label words, elimination, heuristic with confidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from mendline.ingest import read_transcript
from mendline.ingest.roles import ROLE_CONFIDENCE_THRESHOLD, label_role, speaker_samples
from mendline.transcript import Role, RoleSource

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ingest"
T, C, OTH = Role.THERAPIST, Role.CLIENT, Role.OTHER
EXPL, SAVED = RoleSource.EXPLICIT, RoleSource.SAVED


def session(*turns: tuple[str, str]) -> bytes:
    return "".join(f"{who}: {text}\n" for who, text in turns).encode()


LEE_SAM = session(
    ("Dr Lee", "Hi Sam. How have you been since last week?"),
    ("Sam", "I don't know. Tired. My boss keeps piling things on me and I can't say no."),
    ("Dr Lee", "It sounds like you feel stuck. What comes up when you imagine saying no?"),
    ("Sam", "I get scared, I guess. I just freeze and I hate that about myself."),
    ("Dr Lee", "That makes sense. Can you tell me more about the freezing?"),
    ("Sam", "It's like my mind goes blank and I agree to whatever he wants from me."),
)


@pytest.mark.parametrize(
    ("label", "role"),
    [("Therapist", T), ("THERAPIST", T), ("Counsellor", T), ("counselor", T),
     ("Clinician", T), ("T", T), ("Interviewer", T), ("Client", C), ("client 2", C),
     ("Patient", C), ("C", C), ("P", C), ("Participant", C), ("Partner A", C),
     ("Interpreter", OTH), ("Dr Lee", None), ("Sam", None), ("Speaker 1", None)],
)
def test_role_words_in_labels(label, role):
    assert label_role(label) is role


def test_heuristic_finds_the_therapist_with_confidence():
    t = read_transcript(LEE_SAM, name="s.txt")
    assert t.role_of("Dr Lee") is T and t.role_of("Sam") is C
    assert all(s.source is RoleSource.HEURISTIC for s in t.speakers)
    assert t.role_confidence >= ROLE_CONFIDENCE_THRESHOLD


def test_heuristic_does_not_depend_on_the_dr_title():
    data = LEE_SAM.replace(b"Dr Lee", b"Alex").replace(b"Sam", b"Dr Kim")
    t = read_transcript(data, name="s.txt")
    assert t.role_of("Alex") is T and t.role_of("Dr Kim") is C


def test_a_tie_is_reported_as_unsure_not_raised():
    data = session(("Ann", "Okay."), ("Bo", "Okay."), ("Ann", "Sure."), ("Bo", "Sure."))
    t = read_transcript(data, name="s.txt")
    assert t.role_confidence < ROLE_CONFIDENCE_THRESHOLD


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"roles": {"Sam": T}}, {"Sam": (T, EXPL), "Dr Lee": (C, EXPL)}),
        ({"roles": {"dr. lee": T}}, {"Dr Lee": (T, EXPL), "Sam": (C, EXPL)}),
        ({"saved_roles": {"Sam": C}}, {"Sam": (C, SAVED), "Dr Lee": (T, SAVED)}),
        ({"roles": {"Sam": T}, "saved_roles": {"Sam": C}}, {"Sam": (T, EXPL), "Dr Lee": (C, EXPL)}),
    ],
)
def test_authority_order(kwargs, expected):
    t = read_transcript(LEE_SAM, name="s.txt", **kwargs)
    got = {s.label: (s.role, s.source) for s in t.speakers}
    assert got == expected
    assert t.role_confidence == 1.0


def test_unknown_explicit_name_is_a_warning_without_the_name():
    t = read_transcript(LEE_SAM, name="s.txt", roles={"Nobody Here": T})
    assert any("does not appear" in w for w in t.warnings)
    assert not any("Nobody" in w for w in t.warnings)


def test_family_session_one_therapist_several_clients_and_an_interpreter():
    data = session(
        ("Therapist", "Welcome, everyone. What brings the family in?"),
        ("Maria", "Our son barely talks to us anymore."),
        ("Interpreter", "She says their son barely speaks to them."),
        ("Luis", "That's not fair. You never listen."),
        ("Therapist", "It sounds like both of you feel unheard. Can you say more, Luis?"),
        ("Maria", "We do listen."),
        ("Luis", "No you don't."),
    )
    t = read_transcript(data, name="family.txt")
    roles = {s.label: (s.role, s.source) for s in t.speakers}
    assert roles == {
        "Therapist": (T, RoleSource.LABEL),
        "Maria": (C, RoleSource.LABEL),
        "Interpreter": (OTH, RoleSource.LABEL),
        "Luis": (C, RoleSource.LABEL),
    }


def test_couple_with_unlabelled_names_uses_the_heuristic_for_the_therapist():
    data = session(
        ("Jo", "Hi both. How has the week been since our last session?"),
        ("Ana", "Honestly I think it's been awful, he didn't help me with anything."),
        ("Ben", "That's not true, I did the dishes every night and I picked up my mom."),
        ("Jo", "I'm hearing a lot of frustration. What was that like for each of you?"),
        ("Ana", "I felt alone. I always feel like I'm doing it all myself."),
        ("Ben", "I felt attacked, like nothing I do is ever enough for her."),
    )
    t = read_transcript(data, name="couple.txt")
    assert t.role_of("Jo") is T
    assert t.role_of("Ana") is C and t.role_of("Ben") is C


def test_role_letters_with_elimination():
    data = session(("Dr Lee", "How are you?"), ("C", "Fine."), ("Dr Lee", "Fine?"))
    t = read_transcript(data, name="s.txt")
    assert t.role_of("Dr Lee") is T
    assert {s.label: s.source for s in t.speakers}["Dr Lee"] is RoleSource.LABEL


def test_samples_are_short_and_one_per_speaker():
    t = read_transcript(FIXTURES / "otter_export.txt")
    samples = speaker_samples(t)
    assert set(samples) == {"Dr Lee", "Sam Rivera"}
    assert all(0 < len(s) <= 120 for s in samples.values())
    assert "[sighs]" not in " ".join(samples.values())
