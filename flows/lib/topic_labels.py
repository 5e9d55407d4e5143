"""Which keyphrases may name a topic or a theme.

A label is a readable noun phrase naming the theme: never a measurement ("2000B tokens", "6.6B
activated parameters"), never a phrase with a verb tail, never corpus boilerplate ("substantial
challenges") and never a generic phrase used by more than ``max_df`` of all papers ("large
language models"). The phrase tests are the tagger's (flows.stages.tagging.phrase_quality); the dbt
model int_keyphrases_qualified applies them to every keyphrase in use, and the ranking of a
topic's (theme's) keyphrases puts the label-worthy ones first.
"""

from __future__ import annotations

import pandas as pd

from flows.stages.tagging.phrase_quality import has_verb_tail, is_measurement


def qualify_keyphrases(
    counted: pd.DataFrame, boilerplate: set[str], max_df: float, min_generic_papers: int = 0
) -> pd.DataFrame:
    """counted: keyphrase, surface_form, n_papers, document_frequency, idf (int_keyphrases_counted);
    boilerplate: the keyphrases int_keyphrases_boilerplate marks (learned from the archive).

    Adds is_measurement, has_verb_tail, is_boilerplate, is_generic, is_nameable and
    is_label_worthy.
    """
    frame = counted.copy()
    for column, test in (("is_measurement", is_measurement), ("has_verb_tail", has_verb_tail)):
        frame[column] = [
            bool(test(k) or test(s))
            for k, s in zip(frame["keyphrase"], frame["surface_form"].fillna(""), strict=True)
        ]
    frame["is_boilerplate"] = frame["keyphrase"].isin(boilerplate)
    frame["is_generic"] = (frame["document_frequency"] > max_df) & (
        frame["n_papers"] > min_generic_papers
    )
    # nameable: may be shown as a label; label-worthy: also specific enough to prefer
    frame["is_nameable"] = ~(
        frame["is_measurement"] | frame["has_verb_tail"] | frame["is_boilerplate"]
    )
    frame["is_label_worthy"] = frame["is_nameable"] & ~frame["is_generic"]
    return frame
