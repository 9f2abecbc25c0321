"""Per-session analysis, pure functions of a transcript.

The entry point is ``mendline.analysis.session.analyze_session``; the other modules are its
parts (engagement, questions, markers, segments) and the JSON contract (``result``).
"""
