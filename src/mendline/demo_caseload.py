"""Load the bundled synthetic caseload (``mendline/demo``) into a store.

Every person and event in it is invented (see ``mendline/demo/README.md``). Loading goes through
the same ``import_file`` path as a real import, so the demo shows exactly what a clinician's own
files would.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from mendline import store as repository
from mendline.client_records import measure_record
from mendline.importing import ImportOutcome, import_file
from mendline.store import Store
from mendline.tracking.measures import score
from mendline.transcript import Role

__all__ = ["DemoSummary", "demo_manifest", "load_demo"]


@dataclass
class DemoSummary:
    clients: dict[str, list[ImportOutcome]] = field(default_factory=dict)
    attendance: int = 0
    measures: int = 0

    def lines(self) -> list[str]:
        out = ["Loaded the demo caseload (all people and events are invented):"]
        for code, outcomes in self.clients.items():
            new = sum(o.created for o in outcomes)
            markers = sum(o.markers for o in outcomes)
            out.append(
                f"  {code}: {len(outcomes)} sessions ({new} new), {markers} possible markers"
            )
        out.append(f"  {self.attendance} attendance records, {self.measures} self-report forms")
        return out


def demo_manifest() -> dict[str, Any]:
    text = resources.files("mendline.demo").joinpath("manifest.json").read_text("utf-8")
    return json.loads(text)


def load_demo(store: Store, clinician: str) -> DemoSummary:
    """Import every demo session, attendance record and form; safe to run twice."""
    manifest = demo_manifest()
    base = resources.files("mendline.demo")
    summary = DemoSummary()
    for c in manifest["clients"]:
        code = c["code"]
        repository.get_or_create_clinician(store, clinician)
        repository.get_or_create_client(
            store,
            clinician=clinician,
            code=code,
            display_name=c.get("display_name"),
            settings={k: v for k, v in c.get("settings", {}).items() if v is not None},
        )
        first_load = not repository.list_sessions(store, clinician=clinician, client_code=code)
        outcomes = []
        for s in c["sessions"]:
            with resources.as_file(base.joinpath(s["file"])) as path:
                outcomes.append(
                    import_file(
                        store,
                        path,
                        clinician=clinician,
                        client_code=code,
                        number=s["number"],
                        date=dt.date.fromisoformat(s["date"]),
                        roles={label: Role(role) for label, role in s["roles"].items()},
                    )
                )
        summary.clients[code] = outcomes
        for a in c.get("attendance", []):  # one record per day: loading twice changes nothing
            repository.add_attendance(
                store,
                clinician=clinician,
                client_code=code,
                date=dt.date.fromisoformat(a["date"]),
                status=a["status"],
                minutes_late=a.get("minutes_late"),
                source="demo",
            )
            summary.attendance += 1
        if first_load:
            for m in c.get("measures", []):
                # Stored the way tracking reads forms: scores by neutral item key, the
                # scale as "1-5", and the total (client_records.measure_record).
                form = measure_record(
                    m["instrument"],
                    dt.date.fromisoformat(m["date"]),
                    m["items"],
                    str(m["scale"]) if m.get("scale") else None,
                    m.get("session"),
                )
                repository.add_measure(
                    store,
                    clinician=clinician,
                    client_code=code,
                    instrument=form.instrument,
                    date=form.date,
                    items=dict(form.items),
                    total=score(form)[0],
                    scale=form.scale,
                    session_number=form.session,
                )
                summary.measures += 1
    return summary
