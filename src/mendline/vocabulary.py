"""The one source of Mendline's clinical vocabulary: marker ids, strategy ids, outcomes, stages.

Ids are stable: the JSON output, the database and the reports use them. Ids and groupings
follow the Rupture Resolution Rating System (3RS; Eubanks, Muran & Safran, 2015); labels
and descriptions are Mendline's own plain wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Family",
    "MarkerDef",
    "StrategyDef",
    "MARKERS",
    "TRANSCRIPT_MARKERS",
    "RECORD_MARKERS",
    "STRATEGIES",
    "CONTRIBUTIONS",
    "METACOMMUNICATION",
    "Outcome",
    "Stage",
    "marker",
    "strategy",
    "family_of",
]


class Family(StrEnum):
    WITHDRAWAL = "withdrawal"
    CONFRONTATION = "confrontation"


@dataclass(frozen=True, slots=True)
class MarkerDef:
    id: str
    label: str
    description: str
    from_records: bool = False  # signalled by attendance or engagement, not by one utterance
    # Read from the shape of the whole turn (its brevity, its drift from the question, its
    # distance, its tone against its content), so never from one stretch of a long turn.
    turn_shape: bool = False

    @property
    def family(self) -> Family:
        return Family(self.id.split(".", 1)[0])

    @property
    def type(self) -> str:
        return self.id.split(".", 1)[1]


@dataclass(frozen=True, slots=True)
class StrategyDef:
    id: str
    label: str
    description: str
    metacommunication: bool = False


_W, _C = "withdrawal", "confrontation"

MARKERS: dict[str, MarkerDef] = {
    m.id: m
    for m in (
        MarkerDef(
            f"{_W}.denial", "Denial", "Says a feeling or concern is not there when it seems to be."
        ),
        MarkerDef(
            f"{_W}.minimal_response",
            "Minimal response",
            "A very short or closed reply where the therapist invited more.",
            turn_shape=True,
        ),
        MarkerDef(
            f"{_W}.abstract_communication",
            "Abstract talk",
            "General or intellectual talk that keeps distance from own experience.",
            turn_shape=True,
        ),
        MarkerDef(
            f"{_W}.avoidant_storytelling",
            "Moving away from the topic",
            "A story or change of subject that leads away from the focus of the work.",
            turn_shape=True,
        ),
        MarkerDef(
            f"{_W}.deferential_appeasing",
            "Deferring or appeasing",
            "Agreement or praise that seems to cover over the client's own view.",
        ),
        MarkerDef(
            f"{_W}.content_affect_split",
            "Feeling and content apart",
            "How something is said does not match what is said (e.g. laughing at a loss).",
            turn_shape=True,
        ),
        MarkerDef(
            f"{_W}.self_criticism_hopelessness",
            "Self-criticism or hopelessness",
            "Self-blame or hopelessness that closes down the work, often about therapy.",
        ),
        MarkerDef(
            f"{_C}.complaint_about_therapist",
            "Complaint about the therapist",
            "Criticism of the therapist's understanding, manner or skill.",
        ),
        MarkerDef(
            f"{_C}.rejects_intervention",
            "Turns down an intervention",
            "Dismisses a reflection, interpretation or suggestion.",
        ),
        MarkerDef(
            f"{_C}.complaint_about_activities",
            "Complaint about the activities",
            "Objects to the tasks or exercises of therapy.",
        ),
        MarkerDef(
            f"{_C}.complaint_about_parameters",
            "Complaint about the frame",
            "Objects to schedule, fees, session length or rules.",
        ),
        MarkerDef(
            f"{_C}.complaint_about_progress",
            "Complaint about progress",
            "Says therapy is not helping or not moving.",
        ),
        MarkerDef(
            f"{_C}.defends_self",
            "Defends self",
            "Justifies themself against a criticism they hear from the therapist.",
        ),
        MarkerDef(
            f"{_C}.control_pressure",
            "Pressure or control",
            "Tries to dictate what the therapist says or does.",
        ),
        MarkerDef(
            f"{_W}.missed_session",
            "Missed session",
            "Did not attend a scheduled session.",
            from_records=True,
        ),
        MarkerDef(
            f"{_W}.late_cancellation",
            "Late cancellation",
            "Cancelled shortly before the session.",
            from_records=True,
        ),
        MarkerDef(
            f"{_W}.late_arrival", "Late arrival", "Arrived noticeably late.", from_records=True
        ),
        MarkerDef(
            f"{_W}.quieter_than_usual",
            "Quieter than usual",
            "Spoke less, or more briefly, than this client usually does.",
            from_records=True,
        ),
    )
}

TRANSCRIPT_MARKERS: tuple[str, ...] = tuple(k for k, m in MARKERS.items() if not m.from_records)
RECORD_MARKERS: tuple[str, ...] = tuple(k for k, m in MARKERS.items() if m.from_records)

STRATEGIES: dict[str, StrategyDef] = {
    s.id: s
    for s in (
        StrategyDef(
            "clarifies_misunderstanding",
            "Clarifies a misunderstanding",
            "Puts right something that was misheard or misread.",
        ),
        StrategyDef(
            "changes_task_or_goal",
            "Changes the task or goal",
            "Adjusts what the two are working on, or how.",
        ),
        StrategyDef(
            "provides_rationale",
            "Explains the reason",
            "Says why a task or approach is being suggested.",
        ),
        StrategyDef(
            "invites_discussion_of_relationship",
            "Invites talk about the relationship",
            "Asks about what is happening between client and therapist right now.",
            metacommunication=True,
        ),
        StrategyDef(
            "acknowledges_contribution",
            "Acknowledges own part",
            "Owns something the therapist did that may have added to the strain.",
            metacommunication=True,
        ),
        StrategyDef(
            "discloses_internal_experience",
            "Shares own experience of the moment",
            "Tells the client, tentatively, what the therapist is noticing or feeling.",
            metacommunication=True,
        ),
        StrategyDef(
            "links_to_patterns",
            "Links to a pattern",
            "Connects what is happening here to a pattern between them or elsewhere.",
            metacommunication=True,
        ),
        StrategyDef(
            "validates_defensive_posture",
            "Validates the client's stance",
            "Affirms the client's need to protect themself or to disagree.",
        ),
        StrategyDef(
            "redirects_refocuses",
            "Redirects or refocuses",
            "Brings the conversation back to the agreed focus.",
        ),
        StrategyDef(
            "checks_in_after_repair",
            "Checks in after the repair",
            "Asks how the conversation about the strain itself felt.",
        ),
    )
}

# Therapist moves that may have added to a strain (3RS v2022 rates the therapist's side of a
# rupture; Eubanks & Muran, 2022). Labels describe the move, never the person.
CONTRIBUTIONS: dict[str, str] = {
    "therapist.minimising": "A remark that played down what the client brought",
    "therapist.interrupting": "Spoke over the client as they were speaking",
    "therapist.pressing_on": "The task continued while the client's replies shortened",
    "therapist.arguing_after_complaint": "Explained or defended right after a complaint",
    "therapist.labelling_resistance": "Read the client's holding back as resistance",
}

METACOMMUNICATION: frozenset[str] = frozenset(
    k for k, s in STRATEGIES.items() if s.metacommunication
)


class Outcome(StrEnum):
    RESOLVED = "resolved"
    PARTIALLY_RESOLVED = "partially_resolved"
    UNRESOLVED = "unresolved"
    NO_REPAIR_ATTEMPTED = "no_repair_attempted"


class Stage(StrEnum):
    EARLY = "early"
    MIDDLE = "middle"
    LATE = "late"
    TERMINATION = "termination"


def marker(marker_id: str) -> MarkerDef:
    """Look up a marker id, with a message that lists the known ids."""
    try:
        return MARKERS[marker_id]
    except KeyError:
        raise KeyError(
            f"unknown marker id {marker_id!r}; known ids: {', '.join(MARKERS)}"
        ) from None


def strategy(strategy_id: str) -> StrategyDef:
    try:
        return STRATEGIES[strategy_id]
    except KeyError:
        known = ", ".join(STRATEGIES)
        raise KeyError(f"unknown strategy id {strategy_id!r}; known ids: {known}") from None


def family_of(marker_id: str) -> Family:
    return marker(marker_id).family
