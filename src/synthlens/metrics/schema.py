"""The one definition of a metrics file (data/metrics/**/*.json): every key it can hold, typed
and commented (MetricsFile), the names code uses for them (K.faithfulness, never the string
"faithfulness"), and the check that the evaluate stages write through and the report reads
through (check). A key that is not declared here is an error, not a new column.

Which rows hold a key, in each comment (info.kind of the file):
  S  a synthetic dataset: a grid cell (kind "synthetic") or a template variant ("template");
  M  a mixture ("mixture");
  R  the reference row, R-train itself ("reference");
  Rn the reference row at the synthetic size, draws of R-train ("reference_sized").
"with analyses": only with params analyses.enabled. Shares and accuracies are in [0, 1].
A NaN is written as null (records.write_json). What each measure means: docs/measures.md;
the intervals: docs/intervals.md.
"""
# No `from __future__ import annotations` here: TypedDict reads Required[...] only from
# evaluated annotations (Python 3.11), and REQUIRED comes from it.
from typing import Literal, Optional, Required, TypedDict

Num = Optional[float]  # a float; NaN (no value) is null on disk
Kind = Literal["synthetic", "template", "mixture", "reference", "reference_sized"]


class Info(TypedDict, total=False):
    """What the file is about (the evaluate stage's Job.info)."""
    model: Required[str]        # the generator (params models), the mixture's name, "reference"
    domain: Required[str]       # the domain (params domains), e.g. "sst2"
    decoding: Required[str]     # S: the decoding or "<decoding>~<prompt>"; M: "mixture";
    #                             R: "reference"; Rn: "reference_n<n>"
    kind: Required[Kind]        # which of the four kinds of row (the module's opening comment)
    family: str                 # S: the model family (vanilla, instruct ...); M: "mixture";
    #                             R Rn: "reference"
    shots: int                  # S M: few-shot examples in the prompt (0: zero-shot)
    size_b: Optional[float]     # S: parameters in billions (params models), null if unknown
    prompt_id: str              # S: the prompt (params prompts) the dataset was generated with
    base_decoding: str          # S: the grid decoding (a template variant's without ~<prompt>)
    members: list[str]          # M: the pooled datasets, "<model>/<decoding>"
    n: int                      # Rn: the draw size, the synthetic datasets' size
    model_revision: Optional[str]  # S M: the generator's revision (first record of the dataset)


class ProvenanceModels(TypedDict, total=False):
    """The models behind the numbers, "<name>@<revision>" (provenance.encoder_ids)."""
    generator: str              # S M: "<path>@<revision>" of each generator, comma-separated
    featurizer: str             # all: the featurizer (MAUVE, embedding space)
    classifier: str             # all: the classifier backbone (and the diversity tokenizer)


class Provenance(TypedDict, total=False):
    """Where the numbers come from (provenance.record)."""
    git_commit: str             # HEAD, "+dirty" when the code differs, "unknown" without git
    params_sha256: str          # 16 hex digits: hash of the params this file read
    packages: dict[str, Optional[str]]  # versions of provenance.PACKAGES (null: not installed)
    models: ProvenanceModels    # the generator, featurizer and classifier ids
    device: str                 # where the models ran (device.describe), e.g. "cpu:x86_64"
    python: str                 # the Python version, e.g. "3.11.7"


class NearDupThresholds(TypedDict):
    """Cosine similarities at or above which a text is a semantic near duplicate."""
    within: float               # of another text of the same set (real draws' quantile)
    test: float                 # of an R-test text (real R-train vs R-test quantile)


class DataMap(TypedDict):
    """Dataset cartography per sample (written texts, in order; 4 decimals)."""
    confidence: list[float]     # mean over epochs of the probability of its own label
    variability: list[float]    # std over epochs of that probability


class BootstrapDraws(TypedDict, total=False):
    """The draws each interval is the percentile interval of (6 decimals)."""
    diversity: list[float]      # S M R: distinct-1 of random orders of the texts
    mauve: list[float]          # S M R: one MAUVE run per seed (R: R-train vs R-test)
    faithfulness: list[float]   # S M: two-stage bootstrap, classifier seeds then samples
    complexity: list[float]     # S M: as faithfulness, over the held-out part of S
    performance: list[float]    # S M: as faithfulness, over R-test


class PerDraw(TypedDict):
    """Rn: each draw's value (complexity and performance: one per draw and classifier seed)."""
    diversity: list[float]      # distinct-1 of the draw's first k tokens
    mauve: list[float]          # MAUVE of n R-test texts against R-train
    complexity: list[float]     # 1 - held-out accuracy of a classifier trained on the draw
    performance: list[float]    # R-test accuracy of that classifier
    performance_top_class_share: list[float]  # its largest predicted-class share on R-test


class MetricsFile(TypedDict, total=False):
    """One metrics file: the five characteristics, the measures beside them, what it is about
    and where it comes from. Required[...]: every file of every kind has the key."""
    # --- what and where from
    info: Required[Info]        # all: what the dataset is (model, domain, decoding, kind ...)
    provenance: Required[Provenance]  # all: code, params hash, packages, models, device
    inputs_sha256: str          # all: hash of every input (metrics_files.inputs_hash), 64 hex
    n_samples: Required[int]    # all: texts scored (R: all of R-train; Rn: the draw size)
    # --- diversity (distinct-n within the first k = evaluate.diversity_tokens tokens)
    diversity: Required[Num]    # all: distinct-1, 0-1; with analyses the mean of its draws
    diversity_std: Num          # Rn: std over the draws (the report's fixtures: S too)
    distinct_1: Num             # S M R: unique unigrams / unigrams, one seeded order
    distinct_2: Num             # S M R: unique bigrams / bigrams in the same budget
    distinct_3: Num             # S M R: unique trigrams / trigrams in the same budget
    distinct_4: Num             # S M R: only when evaluate.diversity_ngrams lists 4
    distinct_5: Num             # S M R: only when evaluate.diversity_ngrams lists 5
    distinct_6: Num             # S M R: only when evaluate.diversity_ngrams lists 6
    distinct_7: Num             # S M R: only when evaluate.diversity_ngrams lists 7
    distinct_8: Num             # S M R: only when evaluate.diversity_ngrams lists 8
    distinct_9: Num             # S M R: only when evaluate.diversity_ngrams lists 9
    distinct_10: Num            # S M R: only when evaluate.diversity_ngrams lists 10 (the most)
    # --- conformity
    mauve: Required[Num]        # all: MAUVE vs R-train, 0-1 (R, Rn: R-test vs R-train)
    mauve_std: Num              # all: std over MAUVE seeds (or draws)
    mauve_n: int                # S M R: texts a side in each MAUVE run (0: too few texts)
    mauve_empty_dropped: int    # S M: empty samples left out of MAUVE (nothing to featurize)
    mauve_2: Num                # S M R with analyses: MAUVE on TF-IDF + SVD features, 1 seed
    # --- the classifier characteristics (mean over classifier seeds)
    faithfulness: Required[Num]  # all: S M accuracy of the R-train classifier on S; R Rn: its
    #                              R-test accuracy
    faithfulness_std: Num       # all: std over classifier seeds
    complexity: Required[Num]   # all: 1 - accuracy on the held-out part of a classifier
    #                             trained on the rest (R: of R-train; Rn: of each draw)
    complexity_std: Num         # all: std over classifier seeds (Rn: over draws and seeds)
    performance: Required[Num]  # all: R-test accuracy of that classifier (R: the R-train one)
    performance_std: Num        # all: std over classifier seeds (Rn: over draws and seeds)
    performance_top_class_share: Num  # all: largest predicted-class share of the performance
    #                                   classifier on R-test, worst seed (> 0.9: flagged)
    performance_top_class_share_std: Num  # Rn: std of that share over draws and seeds
    classifier_accuracy: Num    # S M R with analyses: the R-train classifier's R-test accuracy
    # --- second opinion: TF-IDF + logistic regression as the classifier (with analyses)
    faithfulness_2: Num         # S M R: its accuracy on S (R: on R-test)
    faithfulness_2_std: Num     # S M: 0.0 (one deterministic fit per domain)
    complexity_2: Num           # S M R: complexity with it as the classifier
    complexity_2_std: Num       # S M R: std over classifier seeds (the splits)
    performance_2: Num          # S M R: performance with it (R: its R-test accuracy)
    performance_2_std: Num      # S M: std over classifier seeds (the splits)
    classifier_accuracy_2: Num  # S M R: the R-train TF-IDF classifier's R-test accuracy
    # --- intervals: percentile intervals of bootstrap_draws at bootstrap_level
    diversity_ci_low: Num       # S M R with analyses: lower end of diversity's interval
    diversity_ci_high: Num      # S M R with analyses: upper end of diversity's interval
    mauve_ci_low: Num           # S M R with analyses: lower end (null without MAUVE draws)
    mauve_ci_high: Num          # S M R with analyses: upper end (null without MAUVE draws)
    faithfulness_ci_low: Num    # S M with analyses: lower end of faithfulness's interval
    faithfulness_ci_high: Num   # S M with analyses: upper end of faithfulness's interval
    complexity_ci_low: Num      # S M with analyses: lower end of complexity's interval
    complexity_ci_high: Num     # S M with analyses: upper end of complexity's interval
    performance_ci_low: Num     # S M with analyses: lower end of performance's interval
    performance_ci_high: Num    # S M with analyses: upper end of performance's interval
    bootstrap_level: float      # S M R with analyses: the intervals' level, e.g. 0.95
    bootstrap_draws: BootstrapDraws  # S M R with analyses: the draws, per characteristic
    ci_training_seeds: int      # S M with analyses: classifier seeds resampled (1: conditional
    #                             on the trained classifier)
    # --- leakage and self-duplicates: shares of S's texts (with analyses; R: R-train's)
    leak_exact_train: Num       # S M: repeating an R-train text exactly (R: null)
    leak_exact_test: Num        # S M R: repeating an R-test text exactly
    leak_near_train: Num        # S M: near-duplicating an R-train text (R: null)
    leak_near_test: Num         # S M R: near-duplicating an R-test text
    self_exact: Num             # S M R: repeating an earlier text of the set exactly
    self_near: Num              # S M R: near-duplicating an earlier text of the set
    # --- more diversity measures (with analyses)
    two_sample_auc: Num         # all: cross-validated ROC AUC of TF-IDF + LR telling S from
    #                             R-train, 0.5-1 (R: R-train vs R-test; Rn: a real draw)
    compression_ratio: Num      # S M R: gzip ratio of k tokens (higher: more repetitive)
    self_bleu: Num              # S M R: Self-BLEU of a seeded sample, 0-1 (higher: alike)
    diversity_per_label: Num    # S M R: mean over labels of distinct-1 at k / labels tokens
    diversity_by_label: dict[str, Num]  # S M R: that distinct-1 per label id ("0", "1" ...)
    # --- embedding space (featurizer features, cosine; with analyses)
    vendi: Num                  # S M Rn: Vendi score, 1 (all alike) to n (all different)
    vendi_per_label: Num        # S M Rn: mean over labels of the Vendi score within a label
    vendi_by_label: dict[str, Num]  # S M Rn: Vendi score per label id ("0", "1" ...)
    cosine_diversity: Num       # S M Rn: 1 - mean pairwise cosine similarity
    closer_to_train: Num        # S M Rn: share nearer R-train than an equal-size R-test
    #                             (about 0.5 for text drawn like both)
    near_dup_self: Num          # S M Rn: share with a near duplicate within the set
    near_dup_test: Num          # S M Rn: share with a near duplicate in R-test
    near_dup_thresholds: NearDupThresholds  # S M Rn: the similarities the two shares used
    # --- label quality (with analyses)
    label_issue_rate: Num       # S M Rn: share cleanlab flags (cross-validated TF-IDF + LR)
    map_easy: Num               # S M Rn: data map share easy (variability < 0.2, conf >= 0.5)
    map_ambiguous: Num          # S M Rn: data map share ambiguous (variability >= 0.2)
    map_hard: Num               # S M Rn: data map share hard (variability < 0.2, conf < 0.5)
    map_confidence: Num         # S M Rn: mean confidence over the texts
    map_variability: Num        # S M Rn: mean variability over the texts
    data_map: DataMap           # S M Rn: confidence and variability per text
    # --- per-label views (with analyses)
    faithfulness_by_label: dict[str, Num]  # S M: faithfulness per intended label name
    confusion: dict[str, dict[str, int]]  # S M: {intended label: {predicted label: count}} of
    #                                       the R-train classifier (first seed) on S
    # --- learning curve (params learning_curve.sizes)
    learning_curve: dict[str, Num]  # S M R: {training-set size: R-test accuracy}
    # --- the generated samples
    empty_fraction: Num         # S M R: share of empty texts (R: 0.0)
    refused_fraction: Num       # S M: share of samples flagged as refusals
    cut_off_fraction: Num       # S M: share of samples cut off at the token limit
    mean_words: Num             # S M R: mean whitespace-separated words per text
    temperature: Num            # S M: the decoding's temperature (M, null: several)
    top_p: Num                  # S M: the decoding's top-p (M, null: several)
    # --- the reference row at the synthetic size
    per_draw: PerDraw           # Rn: each draw's value of what the row averages
    draws: int                  # Rn: the number of draws (evaluate.reference_draws)
    # --- human labels (make label-import; S only, when labels were imported)
    label_accuracy: Num         # S: share of people's labels equal to the intended label
    classifier_agreement: Num   # S: share equal to the R-train classifier's (null: none)
    n_human_labels: int         # S: the number of texts people labelled


KEYS: frozenset[str] = MetricsFile.__required_keys__ | MetricsFile.__optional_keys__
REQUIRED: frozenset[str] = MetricsFile.__required_keys__


class _Names:
    """K: the name of each metrics-file key, K.<key> == "<key>"; an undeclared name raises
    AttributeError where it is used, so a misspelt key fails loudly instead of reading None."""
    __slots__ = ()

    def __getattr__(self, name: str) -> str:
        if name in KEYS:
            return name
        raise AttributeError(f"{name!r} is not a metrics-file key (declare it in "
                             "synthlens/metrics/schema.py, MetricsFile)")

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError("K is read-only: declare keys in MetricsFile")

    def __dir__(self) -> list[str]:
        return sorted(KEYS)

    def __repr__(self) -> str:
        return f"<metrics-file keys: {len(KEYS)}>"


K = _Names()


def check(result: dict, where: str, *, required: frozenset[str] = REQUIRED) -> dict:
    """result unchanged if its top-level keys are declared in MetricsFile and it has every
    `required` key (default: those every metrics file has); else ValueError naming the keys
    and `where` (the file or the stage). Values are not checked (NaN is fine anywhere)."""
    if not isinstance(result, dict):
        raise ValueError(f"{where}: a metrics file is a JSON object, not {type(result).__name__}")
    undeclared = sorted(set(result) - KEYS)
    missing = sorted(required - set(result))
    problems = []
    if undeclared:
        problems.append(f"undeclared key(s) {undeclared} (declare them in "
                        "synthlens/metrics/schema.py, MetricsFile, with a comment)")
    if missing:
        problems.append(f"missing key(s) {missing}")
    if problems:
        raise ValueError(f"{where}: " + "; ".join(problems))
    return result
