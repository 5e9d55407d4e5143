"""Where a run records itself: the run journal and what reads its records back.

- :mod:`flows.journal.journal`: :class:`RunJournal`, the one object a pipeline run goes through
  (stages, counts, outcome, reports, ``run_audit`` rows, the Prefect artifact, the write-back);
- :mod:`flows.journal.record`: the :class:`RunRecord` itself;
- :mod:`flows.journal.summary`: ``reports/<run_id>/summary.json`` (the only reader of it);
- :mod:`flows.journal.audit`: the ``run_audit`` rows of the lake and the candidate, recovery of
  killed runs, the write-back of the lake's derived state after a publish;
- :mod:`flows.journal.reports`, :mod:`flows.journal.report_html`: the Markdown and HTML reports;
- :mod:`flows.journal.tables`, :mod:`flows.journal.status`: ``papertrends runs`` / ``status``.
"""
