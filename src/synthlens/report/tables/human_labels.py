"""The human-labels table (table_human_labels): people's labels of synthetic samples (make
label-export / label-import), per dataset the share equal to the label asked for and to the
reference classifier's prediction, next to faithfulness. Exports the builder
(table_human_labels) and its section.
"""
from __future__ import annotations

from ...config import Params
from ...metrics.schema import K
from ..manifest import Section
from ..rundata import RunData
from ..tabular import Table, is_number, number_in

HUMAN_LABELS = Section(
    "Human labels", "People's labels of synthetic samples: the share equal to the label the "
    "sample was written for (label accuracy) and to the reference classifier's prediction "
    "(agreement), next to faithfulness, which asks the classifier alone.")
NAN = float("nan")


def table_human_labels(run: RunData, params: Params) -> Table:
    t = Table("table_human_labels", "Human labels per dataset: label accuracy and agreement "
              "with the reference classifier",
              ["domain", "model", "decoding", "kind", "human labels", "label accuracy",
               "classifier agreement", K.faithfulness],
              keys=["domain", "model", "decoding", "kind", K.n_human_labels, K.label_accuracy,
                    K.classifier_agreement, K.faithfulness],
              notes=["label accuracy: share of the human labels equal to the label the sample "
                     "was written for; classifier agreement: equal to the reference "
                     "classifier's prediction; faithfulness: the classifier's own share on "
                     "every sample of the dataset (make label-export / label-import)."],
              empty_note="no dataset of this run has human labels (make label-import)")
    domains = {d: i for i, d in enumerate(params.grid.domains)}
    rows = [r for r in run.rows if r["kind"] != "reference" and
            (is_number(number_in(r, K.label_accuracy)) or
             is_number(number_in(r, K.n_human_labels)))]
    for r in sorted(rows, key=lambda r: (domains.get(r["domain"], 99), r["model"],
                                         r["decoding"])):
        n = number_in(r, K.n_human_labels)
        t.rows.append([r["domain"], r["model"], r["decoding"], r["kind"],
                       int(n) if is_number(n) else NAN, number_in(r, K.label_accuracy),
                       number_in(r, K.classifier_agreement), number_in(r, K.faithfulness)])
    return t
