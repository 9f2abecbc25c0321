"""De-identification of text that leaves the clinician's machine.

What it finds: people's names (the speaker labels and the client's name wherever they
appear, names after a title or a relation word — "Dr Patel", "my sister Ana" —, common
given names from an in-house list, and unknown capitalised words used like a name),
places (an in-house gazetteer and "in/at/from X"), dates, phone numbers, e-mail addresses,
web addresses, street addresses and postcodes, and ID numbers (SSN-like, record numbers
after a label, long digit runs).

How it replaces: one ``Deidentifier`` is used for a whole export, so the same name gets the
same placeholder everywhere ([CLIENT], [THERAPIST], [PERSON 1], [PLACE 1], ...), and every
date is shifted by the same number of days (so intervals between sessions survive). The
offset is random per export unless given. Weekday words are kept: on their own they do not
identify anyone. Bare month names and years are kept too (HIPAA's Safe Harbor allows the
year; a month alone is kept for readability) — a deliberate trade-off, listed in
docs as a known gap.

``Deidentifier.replacements()`` lists what was replaced — kind, placeholder, how often and
the original values — to be *shown to the clinician before export*. It is returned, never
logged: the originals are identifiers.

This is a safety net, not a guarantee: ``benchmarks/deid.py`` reports recall per kind on an
in-house synthetic set, and what it misses.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta

from mendline.reports.deid_lexicon import (
    AMBIGUOUS_NAMES,
    FIRST_NAMES,
    MONTHS,
    NOT_NAMES,
    PLACES,
    RELATION_WORDS,
    TITLES,
)

__all__ = ["Found", "Replacement", "Deidentifier", "find_identifiers", "KINDS"]

KINDS = ("client", "therapist", "person", "place", "date", "phone", "email", "url", "address",
         "id")

_PRIORITY = {k: i for i, k in enumerate(
    ("email", "url", "id", "phone", "date", "address", "client", "therapist", "person", "place")
)}


@dataclass(frozen=True, slots=True)
class Found:
    start: int
    end: int
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Replacement:
    """What was replaced: for the clinician's review screen, never for a log."""

    kind: str
    placeholder: str
    count: int
    originals: tuple[str, ...]


_CAP = r"[A-Z][a-zA-Z'’-]+"
_MONTH_RE = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
             r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_ORD = r"(?:st|nd|rd|th)?"
_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|"
           "NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC")
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("url", re.compile(r"\b(?:https?://|www\.)[^\s<>\"')]+", re.I)),
    ("id", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("id", re.compile(
        r"(?i:\b(?:mrn|medical record(?: number)?|record (?:no|number)|patient (?:id|number)|"
        r"member (?:id|number)|policy(?: number)?|account(?: number)?|licen[cs]e(?: number)?|"
        r"nhs number|insurance (?:id|number)|case number|id)\b\s*(?:#|no\.?|number|is|:)?\s*)"
        r"(?P<v>[A-Z0-9][A-Z0-9-]{3,}\b)")),
    ("id", re.compile(r"\b[A-Z]{1,3}\d{5,}\b")),
    ("id", re.compile(r"(?<![\d-])\d{7,}(?![\d-])")),
    ("phone", re.compile(
        r"(?<![\w+])(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?|\d{2,5}[\s.-])"
        r"\d{3,4}[\s.-]?\d{3,4}(?![\w-])")),
    ("date", re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b")),
    ("date", re.compile(r"\b\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})\b")),
    ("date", re.compile(rf"\b{_MONTH_RE}\s+\d{{1,2}}{_ORD}(?:,?\s+(?:19|20)\d\d)?\b")),
    ("date", re.compile(
        rf"\b\d{{1,2}}{_ORD}\s+(?:of\s+)?{_MONTH_RE}(?:,?\s+(?:19|20)\d\d)?\b")),
    ("date", re.compile(rf"\bthe\s+\d{{1,2}}{_ORD}\s+of\s+{_MONTH_RE}(?:,?\s+(?:19|20)\d\d)?\b")),
    ("address", re.compile(
        rf"\b\d{{1,5}}\s+(?:{_CAP}\s+){{1,3}}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|"
        r"Boulevard|Blvd|Court|Ct|Way|Place|Pl|Terrace|Close|Crescent|Parkway|Pkwy|Highway|"
        r"Hwy|Square|Sq)\b\.?(?:,?\s+(?:Apt|Apartment|Unit|Suite|Flat|#)\.?\s*\w+)?")),
    ("address", re.compile(rf"\b(?:{_STATES})\s+\d{{5}}(?:-\d{{4}})?\b")),
    ("place", re.compile(rf"\b{_CAP}(?:\s{_CAP})?(?=,\s+(?:{_STATES})\b)")),
    ("address", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b")),
    ("address", re.compile(r"\b(?:PO|P\.O\.)\s*Box\s+\d+\b", re.I)),
]
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_GENERIC_LABEL = re.compile(
    r"^(?:speaker[\s_-]*\w*|spk[\s_-]*\w*|therapist|client|counsell?or|patient|interviewer|"
    r"participant|unknown|[a-z]|t|c|p|dr|me|you|\d+)$", re.I)
_SPEECH_VERB = re.compile(
    r"^\s*(?:said|says|told|tells|asked|asks|texted|texts|called|calls|messaged|thinks|"
    r"thought|wants|wanted|keeps|kept|never|always|would|and I|was|is)\b")
_PLACE_PREP = re.compile(r"\b(?:in|at|from|to|near|outside|around|visiting|visit|moved to)\s+$",
                         re.I)


def _names_in(label: str) -> list[str]:
    """The name tokens of a speaker label or display name ("Simone Varga (she/her)")."""
    label = re.sub(r"\(.*?\)|\[.*?\]", " ", label).strip()
    if not label or _GENERIC_LABEL.match(label):
        return []
    tokens = [t for t in _WORD.findall(label)
              if len(t) > 1 and t.lower().rstrip(".") not in TITLES and t.lower() not in NOT_NAMES]
    out = [" ".join(tokens)] if len(tokens) > 1 else []
    return out + tokens


def _sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(" \t\"“'‘(")
    return not before or before[-1] in ".!?:;\n—–-…"


def _is_cap(tok: str) -> bool:
    return tok[:1].isupper() and tok.lower().strip("'’") not in NOT_NAMES


def find_identifiers(text: str, *, client_names: tuple[str, ...] = (),
                     therapist_names: tuple[str, ...] = (),
                     other_names: tuple[str, ...] = (),
                     other_places: tuple[str, ...] = ()) -> list[Found]:
    """Every identifier found in ``text``, non-overlapping, in order."""
    cands: list[Found] = []
    for kind, pat in _PATTERNS:
        for m in pat.finditer(text):
            s, e = m.span("v") if "v" in pat.groupindex else m.span()
            cands.append(Found(s, e, kind, text[s:e]))
    for kind, names in (("client", client_names), ("therapist", therapist_names),
                        ("person", other_names)):
        for name in sorted({n for label in names for n in _names_in(label)}, key=len,
                           reverse=True):
            for m in re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])", text):
                cands.append(Found(m.start(), m.end(), kind, m.group()))
    for place in other_places:
        for m in re.finditer(rf"(?<![\w]){re.escape(place)}(?![\w])", text):
            cands.append(Found(m.start(), m.end(), "place", m.group()))
    cands.extend(_people(text))
    cands.extend(_places(text))
    return _resolve(cands)


def _people(text: str) -> list[Found]:
    out: list[Found] = []
    toks = list(_WORD.finditer(text))
    for i, m in enumerate(toks):
        tok, low = m.group(), m.group().lower().strip("'’")
        base = re.sub(r"['’]s$", "", tok)
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        prev = toks[i - 1] if i > 0 else None
        start, end = m.start(), m.start() + len(base)
        if low.rstrip(".") in TITLES and nxt and _is_cap(nxt.group()) and \
                text[m.end():nxt.start()].strip(". ") == "":
            e = nxt.start() + len(re.sub(r"['’]s$", "", nxt.group()))
            nn = toks[i + 2] if i + 2 < len(toks) else None
            if nn and _is_cap(nn.group()) and text[nxt.end():nn.start()] == " " and \
                    nn.group().lower() not in PLACES:
                e = nn.start() + len(re.sub(r"['’]s$", "", nn.group()))
            if tok[0].isupper():
                out.append(Found(start, e, "person", text[start:e]))
            else:  # "aunt Rosa": only the name
                out.append(Found(nxt.start(), e, "person", text[nxt.start():e]))
            continue
        if not tok[0].isupper() or low in NOT_NAMES or len(base) < 2 or base.isupper():
            continue
        base_low = base.lower()
        cue = False
        if prev and prev.group().lower() in RELATION_WORDS and \
                text[prev.end():start].strip(", ") == "":
            cue = True
        elif prev and prev.group().lower() in {"named", "called", "name's", "is"} and \
                (prev.group().lower() != "is" or text[max(0, prev.start() - 8):prev.start()]
                 .lower().endswith("name ")):
            cue = True
        elif _SPEECH_VERB.match(text[m.end():]) and not _sentence_start(text, start) and \
                base_low not in PLACES:
            cue = True
        elif tok != base and not _sentence_start(text, start) and base_low not in PLACES:
            cue = True  # an unknown capitalised possessive mid-sentence: "Ngozi's"
        elif prev and prev.group().lower() == "with" and not _sentence_start(text, start) and \
                base_low not in PLACES:
            cue = True
        listed = base_low in FIRST_NAMES or base_low in AMBIGUOUS_NAMES
        if listed and base_low in AMBIGUOUS_NAMES and not cue:
            if _sentence_start(text, start) or (nxt and nxt.group()[0].islower()
                                                and not _SPEECH_VERB.match(text[m.end():])):
                continue
        if not (listed or cue):
            continue
        if nxt and _is_cap(nxt.group()) and text[m.end():nxt.start()] == " " and \
                nxt.group().lower() not in PLACES and nxt.group().lower() not in FIRST_NAMES:
            end = nxt.start() + len(re.sub(r"['’]s$", "", nxt.group()))
        out.append(Found(start, end, "person", text[start:end]))
    return out


_GAZETTEER = re.compile(
    r"(?<![\w])(?:" + "|".join(re.escape(p) for p in sorted(PLACES, key=len, reverse=True))
    + r")(?![\w])", re.I)


def _places(text: str) -> list[Found]:
    out: list[Found] = []
    for m in _GAZETTEER.finditer(text):
        if m.group()[:1].isupper():
            out.append(Found(m.start(), m.end(), "place", m.group()))
    for m in re.finditer(rf"(?:{_CAP})(?:\s+(?:of\s+)?{_CAP}){{0,2}}", text):
        if not _PLACE_PREP.search(text[max(0, m.start() - 16):m.start()]):
            continue
        first = m.group().split()[0].lower().strip("'’")
        if first in NOT_NAMES or first in FIRST_NAMES or first.rstrip(".") in TITLES:
            continue
        words = m.group().split()
        while words and words[-1].lower() in NOT_NAMES:
            words.pop()
        if words:
            end = m.start() + len(" ".join(words))
            out.append(Found(m.start(), end, "place", text[m.start():end]))
    return out


def _resolve(cands: list[Found]) -> list[Found]:
    chosen: list[Found] = []
    for c in sorted(cands, key=lambda f: (_PRIORITY[f.kind], -(f.end - f.start), f.start)):
        if all(c.end <= o.start or c.start >= o.end for o in chosen):
            chosen.append(c)
    return sorted(chosen, key=lambda f: f.start)


# ------------------------------------------------------------------ dates

_MONTH_NUM = {m[:3]: i + 1 for i, m in enumerate(MONTHS)}
_NAMED = re.compile(rf"(?P<mon>{_MONTH_RE})\s+(?P<day>\d{{1,2}}){_ORD}(?:,?\s+(?P<year>\d{{4}}))?"
                    rf"|(?:the\s+)?(?P<day2>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon2>{_MONTH_RE})"
                    rf"(?:,?\s+(?P<year2>\d{{4}}))?")


def _parse_date(s: str, ref_year: int) -> tuple[Date, str] | None:
    """(date, style) for a found date string; None if it is not a real calendar date."""
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", s):
            return Date.fromisoformat(s), "iso"
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", s)
        if m:
            a, b, y = int(m[1]), int(m[2]), int(m[3])
            y = y + 2000 if y < 100 else y
            return (Date(y, a, b), "mdy") if a <= 12 else (Date(y, b, a), "dmy")
        m = _NAMED.fullmatch(s)
        if m:
            mon = (m["mon"] or m["mon2"]).rstrip(".")[:3].lower()
            day = int(m["day"] or m["day2"])
            year = m["year"] or m["year2"]
            style = ("month_day" if m["mon"] else "day_month") + ("_year" if year else "")
            return Date(int(year) if year else ref_year, _MONTH_NUM[mon], day), style
    except ValueError:
        return None
    return None


def _render_date(d: Date, style: str) -> str:
    month = MONTHS[d.month - 1].capitalize()
    return {
        "iso": d.isoformat(),
        "mdy": f"{d.month}/{d.day}/{d.year}",
        "dmy": f"{d.day}/{d.month}/{d.year}",
        "month_day": f"{month} {d.day}",
        "day_month": f"{d.day} {month}",
        "month_day_year": f"{month} {d.day}, {d.year}",
        "day_month_year": f"{d.day} {month} {d.year}",
    }[style]


# ------------------------------------------------------------------ the replacer


class Deidentifier:
    """Consistent replacement across one export (see the module docstring)."""

    def __init__(self, *, client_names: tuple[str, ...] = (),
                 therapist_names: tuple[str, ...] = (), other_names: tuple[str, ...] = (),
                 date_offset_days: int | None = None, reference_year: int = 2000) -> None:
        self.client_names = tuple(client_names)
        self.therapist_names = tuple(therapist_names)
        self.other_names = tuple(other_names)
        if date_offset_days is None:  # 30 to 365 days either way, never zero
            date_offset_days = (30 + secrets.randbelow(336)) * (1 if secrets.randbelow(2) else -1)
        self.offset = timedelta(days=date_offset_days)
        self.reference_year = reference_year
        self.other_places: tuple[str, ...] = ()
        self._people: dict[str, str] = {}
        self._places: dict[str, str] = {}
        self._seen: dict[tuple[str, str], dict[str, int]] = {}

    # -- public
    def learn(self, texts: Iterable[str]) -> None:
        """Read a whole export first, so a name recognised in one place ("my sister Ilse")
        is also replaced where nothing marks it as a name ("Ilse always says...")."""
        people, places = set(self.other_names), set(self.other_places)
        for t in texts:
            for f in self._find(t):
                if f.kind == "person":
                    people.update(w for w in _names_in(f.text) if w[:1].isupper())
                elif f.kind == "place":
                    places.add(f.text)
        self.other_names = tuple(sorted(people))
        self.other_places = tuple(sorted(places))

    def text(self, text: str) -> str:
        """``text`` with every identifier replaced."""
        found = self._find(text)
        out, last = [], 0
        for f in found:
            out.append(text[last:f.start])
            out.append(self._placeholder(f))
            last = f.end
        out.append(text[last:])
        return "".join(out)

    def date(self, d: Date) -> Date:
        """A record date (a session's, a form's), shifted by this export's offset."""
        return d + self.offset

    def iso(self, s: str | None) -> str | None:
        if not s:
            return s
        return self.date(Date.fromisoformat(s[:10])).isoformat()

    def speaker(self, role: str, label: str | None = None) -> str:
        """What a speaker label becomes: the role, never the name."""
        placeholder = {"therapist": "[THERAPIST]", "client": "[CLIENT]"}.get(role, "[SPEAKER]")
        if label and _names_in(label):
            self._note(role if role in ("therapist", "client") else "person", placeholder, label)
        return placeholder

    def replacements(self) -> list[Replacement]:
        """What was replaced so far, with the originals, for the clinician to review."""
        return [
            Replacement(kind, placeholder, sum(orig.values()), tuple(sorted(orig)))
            for (kind, placeholder), orig in sorted(self._seen.items())
        ]

    # -- internals
    def _find(self, text: str) -> list[Found]:
        return find_identifiers(text, client_names=self.client_names,
                                therapist_names=self.therapist_names,
                                other_names=self.other_names, other_places=self.other_places)

    def _note(self, kind: str, placeholder: str, original: str) -> str:
        bucket = self._seen.setdefault((kind, placeholder), {})
        bucket[original] = bucket.get(original, 0) + 1
        return placeholder

    def _placeholder(self, f: Found) -> str:
        if f.kind in ("client", "therapist"):
            return self._note(f.kind, f"[{f.kind.upper()}]", f.text)
        if f.kind == "person":
            key = _person_key(f.text)
            if key in self._people:
                ph = self._people[key]
            else:
                ph = self._people[key] = f"[PERSON {len(set(self._people.values())) + 1}]"
            for part in f.text.split()[1:]:  # "Rachel Green": "Green" alone is her too
                self._people.setdefault(_person_key(part), ph)
            return self._note("person", ph, f.text)
        if f.kind == "place":
            key = f.text.lower()
            ph = self._places.setdefault(key, f"[PLACE {len(self._places) + 1}]")
            return self._note("place", ph, f.text)
        if f.kind == "date":
            parsed = _parse_date(f.text, self.reference_year)
            if parsed is None:
                return self._note("date", "[DATE]", f.text)
            d, style = parsed
            self._note("date", "[DATE shifted]", f.text)
            return _render_date(d + self.offset, style)
        return self._note(f.kind, f"[{f.kind.upper()}]", f.text)


def _person_key(name: str) -> str:
    """"Dr Smith" and "Smith" are one person; "Rachel Green" and "Rachel" too."""
    words = name.split()
    if len(words) > 1 and words[0].lower().rstrip(".") in TITLES:
        return words[-1].lower().strip("'’")
    return words[0].lower().strip("'’") if words else ""
