"""Self-report forms: CSV entry, FHIR in and out, flags, and the perception gap."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mendline.errors import InputError
from mendline.tracking import (
    ClientHistory,
    MeasureRecord,
    parse_fhir_json,
    parse_measures_csv,
    to_fhir,
    to_fhir_bundle,
    track_client,
)
from mendline.tracking.instruments import SRS
from mendline.tracking.measures import assess_measures, score
from mendline.tracking.settings import MeasureSettings
from tests.tracking.synth import session

D = dt.date(2024, 3, 4)
HEAD = (
    "date,instrument,session,scale,srs.relationship,srs.goals_topics,srs.approach_method,"
    "srs.overall,wai.1,wai.2,wai.3,wai.4,wai.5,wai.6,wai.7,wai.8,wai.9,wai.10,wai.11,wai.12,"
    "psq.rupture,psq.intensity,psq.resolution\n"
)


def row(
    date: str,
    inst: str,
    session: str = "",
    scale: str = "",
    srs: tuple = (),
    wai: tuple = (),
    psq: tuple = (),
) -> str:
    """One CSV line under HEAD; blank cells where a tuple is empty."""
    cells = [date, inst, session, scale]
    for values, width in ((srs, 4), (wai, 12), (psq, 3)):
        cells += [str(v) for v in values] if values else [""] * width
    return ",".join(cells)


def srs(day: int, *items: float, session: int | None = None) -> MeasureRecord:
    return MeasureRecord(
        "SRS", D + dt.timedelta(days=day), dict(zip(SRS.items, items, strict=True)), None, session
    )


def wai(day: int, values: list[int], scale: str = "1-5") -> MeasureRecord:
    return MeasureRecord(
        "WAI-SR",
        D + dt.timedelta(days=day),
        {f"wai.{i + 1}": v for i, v in enumerate(values)},
        scale,
    )


def test_csv_entry_of_several_instruments() -> None:
    text = (
        HEAD
        + "\n".join(
            [
                row("2024-03-04", "SRS", "3", srs=(9.5, 9, 8.7, 9.2)),
                row("2024-03-04", "wai-sr", "3", "1-7", wai=(6,) * 12),
                row("2024-03-04", "PSQ-client", "3", psq=("yes", 3, 4)),
                row("2024-03-04", "PSQ-therapist", "3", psq=("no", "", "")),
            ]
        )
        + "\n"
    )
    forms = parse_measures_csv(text, "measures.csv")
    assert [f.instrument for f in forms] == ["SRS", "WAI-SR", "PSQ-client", "PSQ-therapist"]
    assert score(forms[0])[0] == pytest.approx(36.4)
    assert forms[1].scale == "1-7" and score(forms[1])[1] == {"goal": 24, "task": 24, "bond": 24}
    assert forms[2].items == {"psq.rupture": True, "psq.intensity": 3.0, "psq.resolution": 4.0}
    assert forms[3].items["psq.intensity"] is None


@pytest.mark.parametrize(
    ("row", "line", "expected"),
    [
        ("2024-03-04,SRS,,,11,9,9,9", 2, "srs.relationship is 11; expected 0 to 10"),
        ("2024-03-04,SRS,,,9,9,9,", 2, "srs.overall is missing"),
        ("2024-03-04,SRS,,,9,9,x,9", 2, "srs.approach_method is 'x'; expected a number"),
        ("04/03/2024,SRS,,,9,9,9,9", 2, "date '04/03/2024' does not parse"),
        ("2024-03-04,BDI,,,9,9,9,9", 2, "unknown instrument 'BDI'"),
        ("2024-03-04,ORS,,,9,9,9,9", 2, "srs.relationship belongs to another form, not ORS"),
        ("2024-03-04,SRS,zero,,9,9,9,9", 2, "is not a session number"),
        (row("2024-03-04", "WAI-SR", "", "1-9", wai=(3,) * 12), 2, "scale '1-9'"),
        (row("2024-03-04", "WAI-SR", wai=(3,) * 11 + (2.5,)), 2, "wai.12 is 2.5; expected a whole"),
        (row("2024-03-04", "PSQ-client", psq=("maybe", "", "")), 2, "expected yes or no"),
        (row("2024-03-04", "PSQ-client", psq=("yes", 6, 1)), 2, "psq.intensity is 6"),
    ],
)
def test_bad_measure_rows_name_the_line(row: str, line: int, expected: str) -> None:
    text = HEAD + "2024-03-01,SRS,,,9,9,9,9\n" + row + "\n"
    with pytest.raises(InputError) as e:
        parse_measures_csv(text, "measures.csv")
    assert str(e.value).startswith(f"measures.csv, line {line + 1}:")
    assert expected in str(e.value)


@pytest.mark.parametrize(
    ("items", "previous", "codes"),
    [
        ((10, 10, 10, 10), None, []),
        ((9, 9, 9, 9), None, ["srs.total_low"]),
        ((9.5, 9.5, 8.5, 9.5), None, ["srs.item_low"]),
        ((9.5, 9.5, 9.5, 9.5), (10, 10, 10, 10), ["srs.drop"]),
        ((9.8, 9.8, 9.8, 9.8), (10, 10, 10, 10), []),  # 0.8 is under the 1-point rule
    ],
)
def test_srs_flags(
    items: tuple[float, ...], previous: tuple[float, ...] | None, codes: list[str]
) -> None:
    forms = ((srs(0, *previous),) if previous else ()) + (srs(1, *items),)
    result = assess_measures(forms, "Sam", MeasureSettings())[-1]
    assert [f.code for f in result.flags] == codes


def test_srs_cutoff_is_configurable() -> None:
    form = (srs(0, 9, 9, 9, 9),)
    strict = MeasureSettings(srs_cutoff_inclusive=False)
    assert assess_measures(form, "Sam", strict)[0].flags == []


def test_a_run_of_perfect_srs_is_noted_gently() -> None:
    forms = tuple(srs(d, 10, 10, 10, 10) for d in range(3))
    flags = assess_measures(forms, "Sam", MeasureSettings())[-1].flags
    assert [f.code for f in flags] == ["srs.constant_40"]
    assert flags[0].severity == "low"
    assert "hard to say what is not working" in flags[0].reason


@pytest.mark.parametrize(
    ("first", "now", "codes"),
    [
        (20, 27, ["ors.reliable_improvement"]),
        (30, 24, ["ors.reliable_deterioration", "ors.clinical_range"]),
        (30, 27, []),
    ],
)
def test_ors_reliable_change_and_cutoff(first: int, now: int, codes: list[str]) -> None:
    def ors(day: int, total: int) -> MeasureRecord:
        q, r = divmod(total, 4)
        vals = [q + (1 if i < r else 0) for i in range(4)]
        keys = ("ors.individual", "ors.interpersonal", "ors.social", "ors.overall")
        return MeasureRecord("ORS", D + dt.timedelta(days=day), dict(zip(keys, vals, strict=True)))

    result = assess_measures((ors(0, first), ors(7, now)), "Sam", MeasureSettings())[-1]
    assert [f.code for f in result.flags] == codes


def test_wai_subscales_bands_and_drop() -> None:
    before = wai(0, [4] * 12)
    after = wai(7, [4, 4, 2, 4, 2, 4, 2, 4, 2, 4, 4, 4])  # bond items 3, 5, 7, 9 fell
    res = assess_measures((before, after), "Sam", MeasureSettings())
    assert res[0].band == "strong" and res[0].subscales == {"goal": 16, "task": 16, "bond": 16}
    assert res[1].total == 40 and res[1].subscales["bond"] == 8
    (flag,) = res[1].flags
    assert flag.code == "wai.drop" and "(mostly bond)" in flag.reason


def test_wai_forms_on_different_scales_are_not_compared() -> None:
    res = assess_measures((wai(0, [7] * 12, "1-7"), wai(7, [3] * 12)), "Sam", MeasureSettings())
    assert res[1].flags == [] and res[0].band is None


def test_fhir_round_trip_keeps_scores_scale_and_session() -> None:
    forms = [
        srs(0, 9.5, 9, 10, 8.5, session=4),
        wai(0, [5] * 12, "1-7"),
        MeasureRecord("PSQ-therapist", D, {"psq.rupture": False}),
    ]
    bundle = to_fhir_bundle(forms, subject="C-9")
    resource = bundle["entry"][0]["resource"]
    assert resource["questionnaire"] == "urn:mendline:questionnaire:srs"
    assert resource["item"][0] == {"linkId": "srs.relationship", "answer": [{"valueDecimal": 9.5}]}
    assert resource["item"][1] == {"linkId": "srs.goals_topics", "answer": [{"valueInteger": 9}]}
    back = parse_fhir_json(json.dumps(bundle), "forms.json")
    assert list(back) == forms
    assert parse_fhir_json(json.dumps(to_fhir(forms[0])), "one.json") == (forms[0],)
    assert parse_fhir_json(json.dumps([to_fhir(f) for f in forms]), "many.json") == tuple(forms)


def _broken(path: list[str | int], value: object) -> str:
    doc = to_fhir_bundle([srs(0, 9, 9, 9, 9), srs(7, 9, 9, 9, 9)])
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        (
            _broken(["entry", 1, "resource", "resourceType"], "Observation"),
            "$.entry[1].resource.resourceType",
            "expected 'QuestionnaireResponse'",
        ),
        (
            _broken(["entry", 1, "resource", "status"], "in-progress"),
            "$.entry[1].resource.status",
            "'in-progress'",
        ),
        (
            _broken(["entry", 0, "resource", "authored"], "last week"),
            "$.entry[0].resource.authored",
            "expected a date",
        ),
        (
            _broken(["entry", 1, "resource", "item", 2, "answer", 0], {"valueInteger": 12}),
            "$.entry[1].resource.item[2].answer[0]",
            "srs.approach_method is 12",
        ),
        (
            _broken(["entry", 1, "resource", "item", 2, "answer", 0], {"valueString": "9"}),
            "$.entry[1].resource.item[2].answer[0]",
            "expected valueInteger",
        ),
        (
            _broken(["entry", 1, "resource", "item", 0, "linkId"], "srs.mood"),
            "$.entry[1].resource.item[0].linkId",
            "not an item of SRS",
        ),
        (
            _broken(["entry", 0, "resource", "item", 3], KeyError),
            "$.entry[0].resource.item",
            "srs.overall is missing",
        ),
        (
            _broken(["entry", 0, "resource", "questionnaire"], "urn:x"),
            "$.entry[0].resource.questionnaire",
            "unknown questionnaire",
        ),
        (
            _broken(["entry", 0, "resource", "item"], {}),
            "$.entry[0].resource.item",
            "expected an array",
        ),
        ('{"resourceType": "Bundle", "entry": [\n{"resource": }]}', "line 2", "not valid JSON"),
    ],
)
def test_bad_fhir_names_json_path(text: str, where: str, expected: str) -> None:
    with pytest.raises(InputError) as e:
        parse_fhir_json(text, "forms.json")
    assert str(e.value).startswith(f"forms.json, {where}:")
    assert expected in str(e.value)


def _srs_for(number: int, total_each: float) -> MeasureRecord:
    return srs(0, *([total_each] * 4), session=number)


@pytest.mark.parametrize(
    ("srs_item", "markers", "gap"),
    [
        (10, ("withdrawal.minimal_response",) * 2 + ("withdrawal.denial",), True),
        (9.5, ("withdrawal.minimal_response",) * 3, True),  # 38 of 40
        (10, ("withdrawal.minimal_response",) * 2, False),  # only two markers
        (9, ("withdrawal.minimal_response",) * 4, False),  # 36: not a high rating
        (10, ("confrontation.rejects_intervention",) * 3, False),
    ],
)
def test_perception_gap_high_srs_with_withdrawal(
    srs_item: float, markers: tuple[str, ...], gap: bool
) -> None:
    sessions = (session(1), session(2, markers=markers))
    history = ClientHistory("C-5", sessions, measures=(_srs_for(2, srs_item),), display_name="Jo")
    timeline = track_client(history)
    assert bool(timeline.gaps) is gap
    if gap:
        g = timeline.gaps[0]
        assert (g.left.source, g.right.source) == ("transcript", "client's form")
        assert g.left.values["withdrawal_markers"] == len(markers)
        assert g.session == 2
        assert any(a.kind == "perception_gap" for a in timeline.alerts)


@pytest.mark.parametrize(
    ("client", "therapist", "kind"),
    [
        (True, False, "client_reported_rupture_therapist_did_not"),
        (False, True, "therapist_reported_rupture_client_did_not"),
        (True, True, None),
        (False, False, None),
    ],
)
def test_perception_gap_between_psq_versions(
    client: bool, therapist: bool, kind: str | None
) -> None:
    def psq(who: str, saw: bool) -> MeasureRecord:
        items = {"psq.rupture": saw} | ({"psq.intensity": 3, "psq.resolution": 2} if saw else {})
        return MeasureRecord(who, session(1).date or D, items, session=1)

    history = ClientHistory(
        "C-6", (session(1),), measures=(psq("PSQ-client", client), psq("PSQ-therapist", therapist))
    )
    gaps = track_client(history).gaps
    assert [g.kind for g in gaps] == ([kind] if kind else [])
    if kind:
        assert gaps[0].left.source == "therapist's form"
        assert gaps[0].right.summary == ("tension noted" if client else "no tension noted")
