"""Read JSON transcripts from speech-to-text services and simple hand-made lists.

Each service nests its speaker turns differently, so this module finds the shape first and
then walks it, turning every turn into a ``Cue``. Shapes understood:

- OpenAI Whisper: ``{"text", "segments": [{"start", "end", "text"}]}`` (no speakers).
- WhisperX: Whisper ``segments`` with ``speaker``; when a segment has no speaker but its
  ``words`` do, the segment is split where the word speakers change (short flickers of one
  or two words are folded into their neighbours, because diarization jitters at turn edges).
- AWS Transcribe: ``results.audio_segments`` (newer, with ``speaker_label``), or turns rebuilt
  by time from ``results.items`` and ``results.speaker_labels`` (or ``channel_labels``).
- AssemblyAI: ``utterances`` with ``speaker`` "A"/"B" and times in milliseconds.
- Deepgram: ``results.utterances``, or ``results.channels[].alternatives[0].paragraphs``.
- Rev.ai: ``monologues`` of ``elements`` (``text``/``punct`` with ``ts``/``end_ts``).
- A generic list of ``{speaker, text, start, end}`` objects (also ``role``/``name``,
  ``content``, ``start_s``/``end_s``, ``startTime``/``endTime``), at the top level or under
  ``utterances``/``turns``/``transcript``/``segments``, or as JSON Lines.

Speaker labels are kept as the file writes them; numbers become ``"Speaker N"``. Times are
seconds (milliseconds where the service uses them), or clock strings like ``"00:01:02.500"``.
Errors name a JSON path (``segments[3].text``) or a line, never the transcript's words.
Word-level times (WhisperX words, AWS items) are read, and so checked, only where a turn
starts or ends, which is all a cue needs; an hour-long file then parses in a few tens of ms.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

from mendline.errors import IngestError
from mendline.ingest.clock import clock_to_seconds
from mendline.ingest.cues import Cue

try:  # optional: about 2-3x faster on large files; results are the same without it
    import orjson as _fast_json
except ImportError:  # pragma: no cover - depends on the environment
    _fast_json = None

__all__ = ["looks_like", "parse"]

_UNDERSTOOD = (
    "expected a transcript from Whisper or WhisperX ('segments'), AWS Transcribe "
    "('results.items' or 'results.audio_segments'), AssemblyAI or Deepgram ('utterances'), "
    "Deepgram paragraphs, Rev.ai ('monologues'), or a list of objects with 'speaker' and "
    "'text' (optionally 'start' and 'end'), also as JSON Lines"
)
_TIME_EXPECTED = "expected a time in seconds or as hh:mm:ss.mmm"

# Key aliases of the generic shape, in order of preference. "role" comes before "name":
# a role word such as "therapist" lets the role step decide without guessing.
_SPEAKER_KEYS = ("speaker", "speaker_name", "speaker_label", "role", "name")
_TEXT_KEYS = ("text", "content", "transcript")
_WORD_KEYS = ("word", "punctuated_word", "text")
_START_KEYS = ("start", "start_s", "startTime", "start_time")
_END_KEYS = ("end", "end_s", "endTime", "end_time")
_LIST_KEYS = ("turns", "transcript", "segments")

# AssemblyAI puts these next to "utterances"; a hand-made list does not. They tell us the
# times are milliseconds rather than seconds.
_ASSEMBLYAI_KEYS = frozenset(
    {"audio_url", "audio_duration", "status", "acoustic_model", "language_model", "words"}
)

# Diarization often gives one or two words at a turn edge to the other speaker; a run this
# short inside a segment is treated as jitter, not as a turn of its own.
_MIN_RUN_WORDS = 3

_INF = math.inf

_Piece = tuple[str | None, str, float | None, float | None]  # speaker, text, start, end


class _Bad(Exception):
    """A value of the wrong kind. Walkers add the JSON path on the way up, so the happy path
    never builds path strings (that alone took longer than parsing a large file)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.path: list[str] = []

    def under(self, *parts: str) -> _Bad:
        self.path[:0] = [p for p in parts if p]
        return self

    def where(self) -> str:
        out = ""
        for part in self.path:
            out += part if not out or part.startswith("[") else "." + part
        return out or "top level"


def looks_like(text: str) -> bool:
    """True when the text starts like JSON or JSON Lines (an object or a list)."""
    head = text[:256].lstrip("\ufeff \t\r\n")
    return head[:1] in ("{", "[")


def parse(text: str, source: str) -> list[Cue]:
    """Turn a JSON or JSON Lines transcript into cues; raise ``IngestError`` on bad input."""
    body = text.lstrip("\ufeff")
    try:
        data = _loads(body)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and body.lstrip().startswith("{"):
            return _json_lines(body, source)
        raise IngestError(
            source,
            f"this is not valid JSON ({exc.msg}); check for a missing comma or bracket",
            where=f"line {exc.lineno}, column {exc.colno}",
        ) from None
    try:
        cues = _dispatch(data)
    except _Bad as bad:
        raise IngestError(source, bad.detail, where=bad.where()) from None
    if not cues:
        raise IngestError(source, "the transcript holds no spoken text", where="top level")
    return cues


def _loads(body: str) -> Any:
    if _fast_json is not None:
        try:
            return _fast_json.loads(body)
        except _fast_json.JSONDecodeError:
            pass  # the standard parser names the line and column, and spots JSON Lines
    return json.loads(body)


# --- shape detection ---------------------------------------------------------------------


def _dispatch(data: Any) -> list[Cue]:
    if isinstance(data, list):
        return _entries(data, "")
    if not isinstance(data, dict):
        raise _Bad(_UNDERSTOOD)
    results = data.get("results")
    if isinstance(results, dict):
        if "utterances" in results or "channels" in results:
            return _deepgram(results)
        if any(k in results for k in ("items", "audio_segments", "speaker_labels")):
            return _aws(results)
    if isinstance(data.get("monologues"), list):
        return _revai(data["monologues"])
    if isinstance(data.get("utterances"), list):
        unit = 1000.0 if _ASSEMBLYAI_KEYS & data.keys() else 1.0
        return _entries(data["utterances"], "utterances", unit)
    for key in _LIST_KEYS:
        if isinstance(data.get(key), list):
            return _entries(data[key], key)
    if isinstance(data.get("text"), str) and not any(k in data for k in _SPEAKER_KEYS):
        # Whisper's plain "json" response: one block of text, no times, no speakers.
        return [Cue(speaker=None, text=data["text"].strip(), line=1)]
    raise _Bad(_UNDERSTOOD)


# --- small typed readers (raise _Bad; the caller knows where) ----------------------------


def _secs(value: Any, unit: float = 1.0) -> float | None:
    """A non-negative time in seconds, or None when absent; ``unit`` 1000 reads ms."""
    kind = type(value)
    if kind is float or kind is int:
        if 0 <= value < _INF:
            return value / unit if unit != 1.0 else float(value)
        seconds = value
    elif value is None or value == "":
        return None
    elif kind is str:
        try:
            seconds = float(value) / unit
        except ValueError:
            clock = clock_to_seconds(value)
            if clock is None:
                raise _Bad(_TIME_EXPECTED) from None
            seconds = clock
    else:
        raise _Bad(_TIME_EXPECTED)
    if not math.isfinite(seconds):
        raise _Bad("expected a finite time")
    if seconds < 0:
        raise _Bad("a time cannot be negative")
    return seconds


def _label(value: Any) -> str | None:
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        return value.strip() or None
    if kind is int:
        return f"Speaker {value}"
    if kind is float and value.is_integer():
        return f"Speaker {int(value)}"
    raise _Bad("expected the speaker as a name or a number")


def _str(value: Any) -> str:
    if type(value) is not str:
        what = "missing" if value is None else "not a string"
        raise _Bad(f"expected text here, but it is {what}")
    return value


def _dict(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise _Bad("expected an object with the turn's fields")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if type(value) is not list:
        raise _Bad(f"expected a list of {what}")
    return value


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, Any]:
    for key in keys:
        if key in obj:
            return key, obj[key]
    return keys[0], None


# --- generic entries (Whisper, WhisperX, AssemblyAI, Deepgram utterances, hand-made) -------


def _entries(items: list[Any], base: str, unit: float = 1.0) -> list[Cue]:
    cues: list[Cue] = []
    for index, item in enumerate(items):
        try:
            cues.extend(_entry(item, index + 1, unit))
        except _Bad as bad:
            raise bad.under(f"{base}[{index}]") from None
    return cues


def _entry(item: Any, line: int, unit: float) -> list[Cue]:
    obj = _dict(item)
    field = ""
    try:
        field, raw = _first(obj, _TEXT_KEYS)
        text = _str(raw).strip()
        field, raw = _first(obj, _START_KEYS)
        start_unit = unit
        if raw is None and "start_ms" in obj:
            field, raw, start_unit = "start_ms", obj["start_ms"], 1000.0
        start = _secs(raw, start_unit)
        field, raw = _first(obj, _END_KEYS)
        end_unit = unit
        if raw is None and "end_ms" in obj:
            field, raw, end_unit = "end_ms", obj["end_ms"], 1000.0
        end = _secs(raw, end_unit)
        field, raw = _first(obj, _SPEAKER_KEYS)
        speaker = _label(raw)
        field = "words"
        words = obj.get("words")
        pieces = _word_runs(words, unit) if speaker is None and words else None
    except _Bad as bad:
        raise bad.under(field) from None
    if pieces is not None:
        if len(pieces) == 1:
            return [Cue(pieces[0][0], text, start, end, line)] if text else []
        return [
            Cue(who, said, s if s is not None else start, e if e is not None else end, line)
            for who, said, s, e in pieces
        ]
    if not text:
        return []  # Whisper writes empty segments over silence; nothing was said
    return [Cue(speaker, text, start, end, line)]


def _word_runs(words: Any, unit: float) -> list[_Piece] | None:
    """Split a segment's words into speaker turns; None when no word names a speaker.

    Word times are read only where a turn starts or ends: they are all this needs, and
    reading every one doubled the time taken on an hour-long session.
    """
    words = _list(words, "words")
    tokens: list[str] = []
    speakers: list[str | None] = []
    field = ""
    for index, word in enumerate(words):
        try:
            if type(word) is not dict:
                raise _Bad("expected an object with the word's fields")
            token = word.get("word")
            if type(token) is not str:
                field, token = _first(word, _WORD_KEYS)
                token = _str(token)
            tokens.append(token)
            speaker = word.get("speaker")
            if type(speaker) is str:
                speaker = speaker.strip() or None
            elif speaker is not None:
                field = "speaker"
                speaker = _label(speaker)
            speakers.append(speaker)
        except _Bad as bad:
            raise bad.under(f"[{index}]", field) from None
    known = [s for s in speakers if s is not None]
    if not known:
        return None
    # A word the aligner could not place (numbers, often) belongs to the speaker before it,
    # or at the very start to the first speaker named.
    current = known[0]
    for index, speaker in enumerate(speakers):
        if speaker is None:
            speakers[index] = current
        else:
            current = speaker
    bounds: list[list[int]] = []
    index = 0
    while index < len(speakers):
        stop = index
        while stop < len(speakers) and speakers[stop] == speakers[index]:
            stop += 1
        if bounds and (stop - index < _MIN_RUN_WORDS or speakers[index] == speakers[bounds[-1][0]]):
            bounds[-1][1] = stop
        else:
            bounds.append([index, stop])
        index = stop
    if len(bounds) > 1 and bounds[0][1] - bounds[0][0] < _MIN_RUN_WORDS:
        bounds[1][0] = 0
        del bounds[0]
    turns: list[list[Any]] = []  # [speaker, begin, stop]
    for begin, stop in bounds:
        # Majority vote over the run's words; a tie goes to the speaker who spoke first.
        votes = Counter(speakers[begin:stop])
        speaker = max(votes, key=lambda s: (votes[s], s == speakers[begin]))
        if turns and turns[-1][0] == speaker:
            turns[-1][2] = stop
        else:
            turns.append([speaker, begin, stop])
    pieces: list[_Piece] = []
    for speaker, begin, stop in turns:
        chunk = tokens[begin:stop]
        if any(t.startswith(" ") for t in chunk):
            text = "".join(chunk).strip()
        else:
            text = " ".join(t.strip() for t in chunk)
        start = _word_time(words, range(begin, stop), "start", unit)
        end = _word_time(words, range(stop - 1, begin - 1, -1), "end", unit)
        pieces.append((speaker, text, start, end))
    return pieces


def _word_time(words: list[Any], order: range, key: str, unit: float) -> float | None:
    """The first time found under ``key`` walking ``order`` (aligners skip some words)."""
    for index in order:
        raw = words[index].get(key)
        if raw is not None:
            try:
                return _secs(raw, unit)
            except _Bad as bad:
                raise bad.under(f"[{index}]", key) from None
    return None


# --- AWS Transcribe ----------------------------------------------------------------------


def _aws(results: dict[str, Any]) -> list[Cue]:
    segments = results.get("audio_segments")
    items = results.get("items")
    labelled_segments = isinstance(segments, list) and any(
        isinstance(s, dict) and s.get("speaker_label") for s in segments
    )
    if labelled_segments:
        return _aws_segments(segments)
    by_start = _aws_speaker_map(results)
    if isinstance(items, list) and items and (by_start or _items_have_speakers(items)):
        return _aws_items(items, by_start)
    if isinstance(segments, list) and segments:
        return _aws_segments(segments)
    if isinstance(items, list) and items:
        return _aws_items(items, by_start)
    transcripts = results.get("transcripts")
    if isinstance(transcripts, list) and transcripts and isinstance(transcripts[0], dict):
        try:
            text = _str(transcripts[0].get("transcript")).strip()
        except _Bad as bad:
            raise bad.under("results.transcripts[0].transcript") from None
        return [Cue(None, text, line=1)] if text else []
    raise _Bad("found no items or audio segments").under("results")


def _items_have_speakers(items: list[Any]) -> bool:
    return any(isinstance(i, dict) and i.get("speaker_label") for i in items[:200])


def _aws_segments(segments: list[Any]) -> list[Cue]:
    cues: list[Cue] = []
    field = ""
    for index, raw in enumerate(segments):
        try:
            seg = _dict(raw)
            field = "transcript"
            text = _str(seg.get("transcript")).strip()
            field = "start_time"
            start = _secs(seg.get("start_time"))
            field = "end_time"
            end = _secs(seg.get("end_time"))
            field = "speaker_label"
            speaker = _label(seg.get("speaker_label"))
        except _Bad as bad:
            raise bad.under(f"results.audio_segments[{index}]", field) from None
        if text:
            cues.append(Cue(speaker, text, start, end, index + 1))
    return cues


def _aws_speaker_map(results: dict[str, Any]) -> dict[Any, str]:
    """Speaker of each word, keyed by its raw ``start_time`` as the file writes it."""
    speaker_labels = results.get("speaker_labels")
    channels = results.get("channel_labels")
    if isinstance(speaker_labels, dict) and isinstance(speaker_labels.get("segments"), list):
        groups, key, base = speaker_labels["segments"], "speaker_label", "speaker_labels.segments"
    elif isinstance(channels, dict) and isinstance(channels.get("channels"), list):
        groups, key, base = channels["channels"], "channel_label", "channel_labels.channels"
    else:
        return {}
    by_start: dict[Any, str] = {}
    for index, raw in enumerate(groups):
        try:
            group = _dict(raw)
            default = _label(group.get(key))
            for item in group.get("items") or ():
                if type(item) is dict and "start_time" in item:
                    own = item.get(key)
                    speaker = default if own is None or own == default else _label(own)
                    if speaker is not None:
                        by_start[item["start_time"]] = speaker
        except _Bad as bad:
            raise bad.under(f"results.{base}[{index}]", key) from None
    return by_start


def _aws_items(items: list[Any], by_start: dict[Any, str]) -> list[Cue]:
    """Rebuild speaker turns word by word; punctuation joins the word before it.

    Times are read only for the first and last word of each turn (see ``_word_time``).
    """
    cues: list[Cue] = []
    speaker: str | None = None
    parts: list[str] = []
    first = last = -1  # indexes of the turn's first and last spoken word

    def close() -> None:
        text = "".join(parts).strip()
        if text:
            start = _aws_time(items, first, "start_time")
            end = _aws_time(items, last, "end_time")
            cues.append(Cue(speaker, text, start, end, len(cues) + 1))

    field = ""
    for index, item in enumerate(items):
        try:
            # Inline type checks: this loop runs once per word of the session.
            if type(item) is not dict:
                raise _Bad("expected an object with the word's fields")
            field = "alternatives"
            alternatives = item.get("alternatives")
            if type(alternatives) is not list or not alternatives:
                raise _Bad("expected a list of alternatives")
            field = "alternatives[0].content"
            alt = alternatives[0]
            content = alt.get("content") if type(alt) is dict else None
            if type(content) is not str:
                content = _str(content)
            if item.get("type") == "punctuation":
                parts.append(content)
                continue
            field = "speaker_label"
            label = item.get("speaker_label") or item.get("channel_label")
            if label is None:
                who = by_start.get(item.get("start_time"), speaker)
            else:
                who = label.strip() or speaker if type(label) is str else _label(label)
        except _Bad as bad:
            raise bad.under(f"results.items[{index}]", field) from None
        if not parts or who != speaker:
            close()
            speaker, parts, first = who, [content], index
        else:
            parts.append(" " + content)
        last = index
    close()
    return cues


def _aws_time(items: list[Any], index: int, key: str) -> float | None:
    try:
        return _secs(items[index].get(key))
    except _Bad as bad:
        raise bad.under(f"results.items[{index}]", key) from None


# --- Deepgram ----------------------------------------------------------------------------


def _deepgram(results: dict[str, Any]) -> list[Cue]:
    utterances = results.get("utterances")
    if isinstance(utterances, list) and utterances:
        return _entries(utterances, "results.utterances")
    channels = results.get("channels")
    if not isinstance(channels, list) or not channels:
        raise _Bad("found neither utterances nor channels").under("results")
    cues: list[Cue] = []
    for ci, raw_channel in enumerate(channels):
        base = f"results.channels[{ci}]"
        try:
            alternatives = _list(_dict(raw_channel).get("alternatives"), "alternatives")
            if not alternatives:
                raise _Bad("expected at least one alternative")
            alt = _dict(alternatives[0])
        except _Bad as bad:
            raise bad.under(base, "alternatives") from None
        fallback = f"Channel {ci}" if len(channels) > 1 else None
        paragraphs = (alt.get("paragraphs") or {}).get("paragraphs")
        if isinstance(paragraphs, list):
            try:
                cues.extend(_deepgram_paragraphs(paragraphs, fallback))
            except _Bad as bad:
                raise bad.under(base, "alternatives[0].paragraphs") from None
        elif isinstance(alt.get("transcript"), str) and alt["transcript"].strip():
            cues.append(Cue(fallback, alt["transcript"].strip(), line=len(cues) + 1))
    if len(channels) > 1:
        cues.sort(key=lambda c: (c.start_s is None, c.start_s or 0.0))
    return cues


def _deepgram_paragraphs(paragraphs: list[Any], fallback: str | None) -> list[Cue]:
    cues: list[Cue] = []
    field = ""
    for pi, raw in enumerate(paragraphs):
        try:
            para = _dict(raw)
            field = "sentences"
            texts: list[str] = []
            for si, sentence in enumerate(_list(para.get("sentences"), "sentences")):
                field = f"sentences[{si}].text"
                texts.append(_str(_dict(sentence).get("text")).strip())
            field = "speaker"
            speaker = _label(para.get("speaker")) or fallback
            field = "start"
            start = _secs(para.get("start"))
            field = "end"
            end = _secs(para.get("end"))
        except _Bad as bad:
            raise bad.under(f"paragraphs[{pi}]", field) from None
        text = " ".join(t for t in texts if t)
        if text:
            cues.append(Cue(speaker, text, start, end, pi + 1))
    return cues


# --- Rev.ai ------------------------------------------------------------------------------


def _revai(monologues: list[Any]) -> list[Cue]:
    cues: list[Cue] = []
    field = ""
    for mi, raw in enumerate(monologues):
        try:
            mono = _dict(raw)
            field = "speaker_name"
            info = mono.get("speaker_info")
            name = mono.get("speaker_name") or (info.get("display_name") if info else None)
            speaker = _label(name)
            if speaker is None:
                field = "speaker"
                speaker = _label(mono.get("speaker"))
            parts: list[str] = []
            start: float | None = None
            end: float | None = None
            field = "elements"
            for ei, element in enumerate(_list(mono.get("elements"), "elements")):
                element = _dict(element)
                field = f"elements[{ei}].value"
                parts.append(_str(element.get("value")))
                if element.get("type") == "text":
                    field = f"elements[{ei}].ts"
                    ts = _secs(element.get("ts"))
                    field = f"elements[{ei}].end_ts"
                    end_ts = _secs(element.get("end_ts"))
                    if start is None:
                        start = ts
                    if end_ts is not None:
                        end = end_ts
        except _Bad as bad:
            raise bad.under(f"monologues[{mi}]", field) from None
        text = "".join(parts).strip()
        if text:
            cues.append(Cue(speaker, text, start, end, mi + 1))
    return cues


# --- JSON Lines --------------------------------------------------------------------------


def _json_lines(body: str, source: str) -> list[Cue]:
    cues: list[Cue] = []
    for number, line in enumerate(body.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            item = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise IngestError(
                source,
                f"this line is not valid JSON ({exc.msg})",
                where=f"line {number}, column {exc.colno}",
            ) from None
        try:
            cues.extend(_entry(item, number, 1.0))
        except _Bad as bad:
            place = f"line {number}, field '{bad.where()}'" if bad.path else f"line {number}"
            raise IngestError(source, bad.detail, where=place) from None
    if not cues:
        raise IngestError(source, "the transcript holds no spoken text", where="line 1")
    return cues
