"""Self-report forms as FHIR R4 ``QuestionnaireResponse`` JSON, in and out.

Structure is checked by hand against the R4 resource (resourceType, status, authored,
item[].linkId, item[].answer[].valueInteger / valueDecimal / valueBoolean): no FHIR
library is needed for this one resource. Mendline names its own Questionnaire canonicals
(``urn:mendline:questionnaire:srs`` ...) and item linkIds are the neutral item keys, so
no copyrighted item wording ever travels in the file. Two extensions carry the scale
(``urn:mendline:extension:scale``, valueString "1-7") and the session number
(``urn:mendline:extension:session``, valueInteger).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from mendline.errors import InputError
from mendline.tracking.instruments import INSTRUMENTS
from mendline.tracking.records import MeasureRecord

__all__ = [
    "QUESTIONNAIRE_PREFIX",
    "SCALE_EXTENSION",
    "SESSION_EXTENSION",
    "to_fhir",
    "to_fhir_bundle",
    "parse_fhir_json",
]

QUESTIONNAIRE_PREFIX = "urn:mendline:questionnaire:"
SCALE_EXTENSION = "urn:mendline:extension:scale"
SESSION_EXTENSION = "urn:mendline:extension:session"
_BY_CANONICAL = {QUESTIONNAIRE_PREFIX + i.slug: i for i in INSTRUMENTS.values()}
_ACCEPTED_STATUS = {"completed", "amended"}


def to_fhir(m: MeasureRecord, *, subject: str | None = None) -> dict[str, Any]:
    """One form as a QuestionnaireResponse; ``subject`` is the client code (an identifier)."""
    inst = INSTRUMENTS[m.instrument]
    items = []
    for key, value in m.items.items():
        if value is None:
            continue
        if isinstance(value, bool):
            answer: dict[str, Any] = {"valueBoolean": value}
        elif float(value).is_integer():
            answer = {"valueInteger": int(value)}
        else:
            answer = {"valueDecimal": value}
        items.append({"linkId": key, "answer": [answer]})
    res: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": QUESTIONNAIRE_PREFIX + inst.slug,
        "status": "completed",
        "authored": m.date.isoformat(),
    }
    ext = [{"url": SCALE_EXTENSION, "valueString": m.scale}]
    if m.session is not None:
        ext.append({"url": SESSION_EXTENSION, "valueInteger": m.session})
    res["extension"] = ext
    if subject is not None:
        res["subject"] = {"identifier": {"value": subject}}
    res["item"] = items
    return res


def to_fhir_bundle(measures: list[MeasureRecord], *, subject: str | None = None) -> dict[str, Any]:
    """Several forms as a FHIR ``collection`` Bundle."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": to_fhir(m, subject=subject)} for m in measures],
    }


def parse_fhir_json(data: bytes | str, source: str) -> tuple[MeasureRecord, ...]:
    """Forms from one QuestionnaireResponse, a JSON array of them, or a Bundle.

    Raises InputError naming the file and the JSON path (``$.entry[2].resource.item[0]``);
    nothing is returned unless every form is valid.
    """
    try:
        doc = json.loads(data.decode("utf-8-sig") if isinstance(data, bytes) else data)
    except UnicodeDecodeError:
        raise InputError(f"{source}: not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{source}, line {e.lineno}: not valid JSON ({e.msg})") from None
    resources: list[tuple[str, Any]]
    if isinstance(doc, list):
        resources = [(f"$[{i}]", r) for i, r in enumerate(doc)]
    elif isinstance(doc, dict) and doc.get("resourceType") == "Bundle":
        entries = _get(doc, "entry", list, source, "$")
        resources = [
            (
                f"$.entry[{i}].resource",
                _get(_obj(e, source, f"$.entry[{i}]"), "resource", dict, source, f"$.entry[{i}]"),
            )
            for i, e in enumerate(entries)
        ]
    else:
        resources = [("$", doc)]
    return tuple(_one(r, source, path) for path, r in resources)


def _err(source: str, path: str, detail: str) -> InputError:
    return InputError(f"{source}, {path}: {detail}")


def _obj(value: Any, source: str, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _err(source, path, "expected a JSON object")
    return value


def _get(obj: dict[str, Any], key: str, kind: type, source: str, path: str) -> Any:
    if key not in obj:
        raise _err(source, f"{path}.{key}", "is missing")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _err(source, f"{path}.{key}", f"expected {_KIND_NAMES.get(kind, kind.__name__)}")
    return value


_KIND_NAMES = {list: "an array", dict: "an object", str: "a string", int: "an integer"}


def _one(res: Any, source: str, path: str) -> MeasureRecord:
    res = _obj(res, source, path)
    if res.get("resourceType") != "QuestionnaireResponse":
        raise _err(source, f"{path}.resourceType", "expected 'QuestionnaireResponse'")
    status = _get(res, "status", str, source, path)
    if status not in _ACCEPTED_STATUS:
        raise _err(source, f"{path}.status", f"is {status!r}; expected completed or amended")
    canonical = _get(res, "questionnaire", str, source, path).split("|", 1)[0]
    inst = _BY_CANONICAL.get(canonical)
    if inst is None:
        known = ", ".join(sorted(_BY_CANONICAL))
        raise _err(source, f"{path}.questionnaire", f"unknown questionnaire; expected {known}")
    authored = _get(res, "authored", str, source, path)
    try:
        day = dt.date.fromisoformat(authored[:10])
    except ValueError:
        raise _err(source, f"{path}.authored", "expected a date YYYY-MM-DD[Thh:mm:ss...]") from None
    scale, session = None, None
    for i, ext in enumerate(res.get("extension", [])):
        ext = _obj(ext, source, f"{path}.extension[{i}]")
        if ext.get("url") == SCALE_EXTENSION:
            scale = _get(ext, "valueString", str, source, f"{path}.extension[{i}]")
        elif ext.get("url") == SESSION_EXTENSION:
            session = _get(ext, "valueInteger", int, source, f"{path}.extension[{i}]")
    items: dict[str, float | bool | None] = {}
    positions: dict[str, str] = {}
    for i, item in enumerate(_get(res, "item", list, source, path)):
        ipath = f"{path}.item[{i}]"
        item = _obj(item, source, ipath)
        link = _get(item, "linkId", str, source, ipath)
        if link not in inst.items:
            raise _err(source, f"{ipath}.linkId", f"{link!r} is not an item of {inst.name}")
        if link in items:
            raise _err(source, f"{ipath}.linkId", f"{link!r} is answered twice")
        answers = _get(item, "answer", list, source, ipath)
        if len(answers) != 1:
            raise _err(source, f"{ipath}.answer", "expected exactly one answer")
        positions[link] = f"{ipath}.answer[0]"
        items[link] = _answer(
            _obj(answers[0], source, f"{ipath}.answer[0]"), source, f"{ipath}.answer[0]"
        )
    try:
        return MeasureRecord(inst.name, day, items, scale, session)
    except ValueError as e:
        where = next((p for k, p in positions.items() if k in str(e)), f"{path}.item")
        raise _err(source, where, str(e)) from None


def _answer(ans: dict[str, Any], source: str, path: str) -> float | bool:
    if "valueBoolean" in ans:
        if not isinstance(ans["valueBoolean"], bool):
            raise _err(source, f"{path}.valueBoolean", "expected true or false")
        return ans["valueBoolean"]
    for key in ("valueInteger", "valueDecimal"):
        if key in ans:
            v = ans[key]
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise _err(source, f"{path}.{key}", "expected a number")
            if key == "valueInteger" and not isinstance(v, int):
                raise _err(source, f"{path}.{key}", "expected an integer")
            return float(v)
    raise _err(source, path, "expected valueInteger, valueDecimal or valueBoolean")
