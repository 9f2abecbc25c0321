"""Synthetic transcripts and analyses for the store tests (all wording invented here)."""

from __future__ import annotations

import hashlib

from mendline.analysis.result import (
    Engagement,
    Episode,
    Marker,
    Repair,
    SessionAnalysis,
    SessionInfo,
    Source,
    UtteranceOut,
)
from mendline.transcript import (
    Annotation,
    AnnotationKind,
    Role,
    RoleSource,
    Speaker,
    Transcript,
    Utterance,
)

_THERAPIST_LINES = (
    "How has the week been since we last met?",
    "It sounds like that stayed with you. What was it like to notice that?",
    "I wonder if what I said a moment ago landed a bit wrong.",
    "Can we look at what just happened between us?",
)
_CLIENT_LINES = (
    "[laughs] It was fine, I guess.",
    "I don't know. Work was busy and I kept putting things off until the evening.",
    "Maybe. I'm not sure this is helping, to be honest.",
    "Yeah.",
)


def make_transcript(n_utterances: int = 8, *, seed: str = "a", words: int = 0) -> Transcript:
    """Alternating therapist/client turns, 10 s each; ``seed`` makes the sha256 differ.

    ``words`` > 0 pads each turn to about that many words (for the size benchmark).
    """
    utterances = []
    for i in range(n_utterances):
        therapist = i % 2 == 0
        lines = _THERAPIST_LINES if therapist else _CLIENT_LINES
        text = lines[(i // 2) % len(lines)]
        if words:
            filler = " and then we talked about the plan for the weekend"
            while len(text.split()) < words:
                text += filler
        annotations = ()
        if text.startswith("[laughs]"):
            annotations = (Annotation(AnnotationKind.LAUGHS, (0, 8)),)
        utterances.append(
            Utterance(
                index=i,
                speaker="Dr Rowan" if therapist else "Sam",
                role=Role.THERAPIST if therapist else Role.CLIENT,
                text=text,
                start_s=10.0 * i,
                end_s=10.0 * i + 9.5,
                annotations=annotations,
                line=i + 1,
            )
        )
    body = "\n".join(u.text for u in utterances) + seed
    return Transcript(
        utterances=tuple(utterances),
        speakers=(
            Speaker("Dr Rowan", Role.THERAPIST, RoleSource.LABEL, 1.0),
            Speaker("Sam", Role.CLIENT, RoleSource.LABEL, 1.0),
        ),
        format="vtt",
        sha256=hashlib.sha256(body.encode()).hexdigest(),
        language="en",
    )


def make_engagement() -> Engagement:
    return Engagement(
        duration_s=600.0, therapist_words=120, client_words=80, other_words=0,
        therapist_turns=4, client_turns=4, other_turns=0, client_word_share=0.4,
        client_words_per_turn_median=6.0, client_words_per_turn_iqr=4.0,
        client_minimal_turn_rate=0.25, client_backchannels=1, client_minimal_replies=1,
        therapist_questions=3, therapist_open_questions=2, therapist_closed_questions=1,
        response_latency_median_s=0.8, response_latency_p90_s=2.1, long_pauses=0, overlaps=0,
        nonverbal={"laughs": 1},
    )


def make_analysis(
    transcript: Transcript,
    *,
    version: str = "0.1.0",
    marker_family: str = "withdrawal",
    outcome: str = "resolved",
    with_items: bool = True,
) -> SessionAnalysis:
    """A minimal analysis of ``transcript``: one marker, one repair, one episode."""
    client_turn = next(u for u in transcript.utterances if u.role is Role.CLIENT)
    therapist_turn = next(
        u for u in transcript.utterances if u.role is Role.THERAPIST and u.index > 0
    ) if len(transcript.utterances) > 2 else transcript.utterances[0]
    evidence = client_turn.text[9:19]
    markers = [
        Marker(
            utterance=client_turn.index, id=f"{marker_family}.minimal_response",
            family=marker_family, type="minimal_response", confidence=0.72,
            evidence=evidence, span=(9, 19), why="A short reply to an open question.",
            detector="rules.v1",
        )
    ]
    repairs = [
        Repair(
            utterance=therapist_turn.index, id="invites_discussion_of_relationship",
            metacommunication=True, confidence=0.64, evidence=therapist_turn.text[:10],
            span=(0, 10), why="Asks about what is happening between them.", detector="rules.v1",
        )
    ]
    episodes = [
        Episode(
            id=0, family=marker_family, start_utterance=client_turn.index,
            end_utterance=therapist_turn.index, markers=[0], repairs=[0], outcome=outcome,
            resolution=4, significance=2,
        )
    ]
    return SessionAnalysis(
        analyzer_version=version,
        detectors=["rules.v1"],
        session=SessionInfo(
            duration_s=transcript.duration_s, language=transcript.language,
            source=Source(format=transcript.format, sha256=transcript.sha256),
        ),
        utterances=[
            UtteranceOut(index=u.index, speaker=u.speaker, role=str(u.role), start=u.start_s,
                         end=u.end_s, text=u.text)
            for u in transcript.utterances
        ],
        markers=markers if with_items else [],
        repairs=repairs if with_items else [],
        episodes=episodes if with_items else [],
        engagement=make_engagement(),
    )
