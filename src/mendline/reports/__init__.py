"""Reports: supervision packets, charts, case conceptualization, de-identification,
research exports and agreement statistics.

Pure renderers over ``SessionAnalysis`` / ``ClientTimeline`` objects (``supervision``,
``conceptualization``, ``charts``, ``render``, ``exports``, ``agreement``, ``deid``), with
one loader that reads the store (``inputs``) and one entry for the CLI (``build``).
"""

from mendline.reports.agreement import (
    AgreementReport,
    agreement,
    agreement_with_clinician,
    icc,
)
from mendline.reports.build import FORMATS, BuiltReport, build_report, render_report
from mendline.reports.deid import Deidentifier, Replacement
from mendline.reports.exports import (
    episodes_csv,
    export_tables,
    markers_csv,
    segments_csv,
)
from mendline.reports.inputs import ReportInputs, SessionInput, load_report_inputs

__all__ = [
    "FORMATS",
    "AgreementReport",
    "BuiltReport",
    "Deidentifier",
    "Replacement",
    "ReportInputs",
    "SessionInput",
    "agreement",
    "agreement_with_clinician",
    "build_report",
    "episodes_csv",
    "export_tables",
    "icc",
    "load_report_inputs",
    "markers_csv",
    "render_report",
    "segments_csv",
]
