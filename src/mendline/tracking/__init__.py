"""Per-client tracking: own-baseline engagement, attendance, self-report forms, perception
gaps, alerts and the caseload ranking. Pure functions; the store and CLI wrap them.
"""

from mendline.tracking.attendance import (
    NATIVE,
    PRESETS,
    SIMPLEPRACTICE_LIKE,
    THERAPYNOTES_LIKE,
    ColumnMapping,
    parse_attendance_csv,
)
from mendline.tracking.caseload import rank_caseload
from mendline.tracking.fhir import parse_fhir_json, to_fhir, to_fhir_bundle
from mendline.tracking.ics import parse_attendance_ics
from mendline.tracking.measures import parse_measures_csv
from mendline.tracking.records import (
    AttendanceRecord,
    AttendanceStatus,
    ClientHistory,
    EpisodeRecord,
    MarkerHit,
    MeasureRecord,
    SessionRecord,
)
from mendline.tracking.result import TRACKER_VERSION, CaseloadEntry, ClientTimeline
from mendline.tracking.settings import TrackingSettings
from mendline.tracking.timeline import track_client

__all__ = [
    "TRACKER_VERSION",
    "AttendanceRecord",
    "AttendanceStatus",
    "CaseloadEntry",
    "ClientHistory",
    "ClientTimeline",
    "ColumnMapping",
    "EpisodeRecord",
    "MarkerHit",
    "MeasureRecord",
    "NATIVE",
    "PRESETS",
    "SIMPLEPRACTICE_LIKE",
    "SessionRecord",
    "THERAPYNOTES_LIKE",
    "TrackingSettings",
    "parse_attendance_csv",
    "parse_attendance_ics",
    "parse_fhir_json",
    "parse_measures_csv",
    "rank_caseload",
    "to_fhir",
    "to_fhir_bundle",
    "track_client",
]
