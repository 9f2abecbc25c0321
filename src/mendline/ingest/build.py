"""From a format's flat cue list to a ``Transcript``: the steps every format shares.

1. Whitespace is normalised; empty cues are dropped.
2. Cues without a speaker in a file that names speakers continue the previous speaker's
   turn (Zoom and SRT name a speaker only when it changes in some exports); before the
   first named speaker they are dropped, with a warning.
3. Times are checked: a cue that ends before it starts, or starts before the previous
   cue, is kept as written with a warning (exporters do this after edits; refusing the
   file would help nobody).
4. Consecutive cues of one speaker merge into one ``Utterance`` (texts joined by a
   space), keeping the first start and the last end.
5. Non-verbal annotations are found on the merged text; roles are assigned; the language
   of the therapist's and clients' text is detected offline (py3langid).

Errors name what is missing: no dialogue, no speaker labels (turns cannot be attributed),
or only one speaker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from mendline.errors import IngestError
from mendline.ingest.annotations import find_annotations
from mendline.ingest.cues import Cue
from mendline.ingest.roles import assign_roles
from mendline.transcript import Role, Transcript, Utterance

__all__ = ["build_transcript", "detect_language"]

# Fewer words than this and language identification is a coin toss: store None.
_MIN_LANGUAGE_WORDS = 20
_LANGUAGE_CHARS = 8_000  # plenty for a stable guess; keeps detection to a few ms


def detect_language(texts: Iterable[str]) -> str | None:
    """ISO 639-1 code of the text (offline, py3langid), or None if there is too little."""
    chunks: list[str] = []
    size = 0
    for t in texts:
        chunks.append(t)
        size += len(t) + 1
        if size >= _LANGUAGE_CHARS:
            break
    sample = " ".join(chunks)[:_LANGUAGE_CHARS]
    if len(sample.split()) < _MIN_LANGUAGE_WORDS:
        return None
    import py3langid as langid  # imported here: loading the model takes a moment

    code, _score = langid.classify(sample)
    return str(code) if code else None


def _attribute(cues: Sequence[Cue], source: str, warnings: list[str]) -> list[Cue]:
    """Normalise text and labels, drop empty cues, give unattributed cues to the previous
    speaker. Labels differing only in case are one speaker (first spelling kept)."""
    out: list[Cue] = []
    dropped = 0
    current: str | None = None
    canonical: dict[str, str] = {}  # "THERAPIST" and "therapist" are one speaker
    for c in cues:
        text = " ".join(c.text.split())
        if not text:
            continue
        speaker = " ".join(c.speaker.split()) if c.speaker else None
        if speaker is not None:
            speaker = canonical.setdefault(speaker.casefold(), speaker)
        else:
            if current is None:
                dropped += 1
                continue
            speaker = current
        current = speaker
        out.append(Cue(speaker, text, c.start_s, c.end_s, c.line))
    if dropped:
        warnings.append(
            f"{source}: {dropped} line(s) before the first named speaker were skipped"
        )
    return out


def _check_times(cues: Sequence[Cue], source: str, warnings: list[str]) -> None:
    backwards = inverted = 0
    first_backwards = first_inverted = None
    previous: float | None = None
    for c in cues:
        if c.start_s is not None and c.end_s is not None and c.end_s < c.start_s:
            inverted += 1
            first_inverted = first_inverted or c.line
        if c.start_s is not None:
            if previous is not None and c.start_s < previous:
                backwards += 1
                first_backwards = first_backwards or c.line
            previous = c.start_s
    if inverted:
        warnings.append(
            f"{source}, line {first_inverted}: {inverted} cue(s) end before they start; "
            "times kept as written"
        )
    if backwards:
        warnings.append(
            f"{source}, line {first_backwards}: {backwards} cue(s) start earlier than the cue "
            "before them; times kept as written"
        )


def _merge(cues: Sequence[Cue]) -> list[Utterance]:
    utterances: list[Utterance] = []
    group: list[Cue] = []

    def close() -> None:
        if not group:
            return
        text = group[0].text if len(group) == 1 else " ".join(c.text for c in group)
        starts = [c.start_s for c in group if c.start_s is not None]
        ends = [c.end_s for c in group if c.end_s is not None]
        utterances.append(
            Utterance(
                index=len(utterances),
                speaker=group[0].speaker or "",
                role=Role.OTHER,
                text=text,
                start_s=starts[0] if starts else None,
                end_s=ends[-1] if ends else None,
                annotations=find_annotations(text),
                line=group[0].line,
            )
        )

    for c in cues:
        if group and c.speaker != group[0].speaker:
            close()
            group = []
        group.append(c)
    close()
    return utterances


def build_transcript(
    cues: list[Cue],
    *,
    fmt: str,
    sha256: str,
    source: str,
    warnings: Iterable[str] = (),
    roles: Mapping[str, Role] | None = None,
    saved_roles: Mapping[str, Role] | None = None,
) -> Transcript:
    """Merge, annotate, assign roles and detect the language; see the module docstring."""
    notes = list(warnings)
    if not any(c.text.strip() for c in cues):
        raise IngestError(source, "no dialogue found; expected speaker turns or timed cues")
    if not any(c.speaker and c.speaker.strip() for c in cues if c.text.strip()):
        raise IngestError(
            source,
            "no speaker labels found, so turns cannot be attributed to therapist or client; "
            "export the transcript with speaker names (for Zoom, the audio transcript "
            "rather than the closed captions)",
        )
    attributed = _attribute(cues, source, notes)
    _check_times(attributed, source, notes)
    utterances = _merge(attributed)
    labels = list(dict.fromkeys(u.speaker for u in utterances))
    if len(labels) < 2:
        raise IngestError(
            source,
            f"only {len(labels)} speaker found; a session needs at least two (a therapist "
            "and a client) — check that the export includes every participant's name",
        )
    speakers, role_notes = assign_roles(utterances, roles=roles, saved_roles=saved_roles)
    notes.extend(role_notes)
    by_label = {s.label: s.role for s in speakers}
    utterances = [
        Utterance(u.index, u.speaker, by_label[u.speaker], u.text, u.start_s, u.end_s,
                  u.annotations, u.line)
        for u in utterances
    ]
    language = detect_language(
        u.spoken_text for u in utterances if u.role in (Role.THERAPIST, Role.CLIENT)
    )
    return Transcript(
        utterances=tuple(utterances),
        speakers=speakers,
        format=fmt,
        sha256=sha256,
        source=source,
        language=language,
        warnings=tuple(notes),
    )
