"""The registry of the report's tables and figures (report/registry.py): what it lists is what the
report stage writes, under the section it names, and what dvc.yaml declares; adding a table is
one entry. The worked example of docs/extending.md ("A new table") is here: a tiny table built
from the run's flat rows, registered, and written by the report stage like any other."""
import csv
import html
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from synthlens.config import Params
from synthlens.report import registry
from synthlens.report.manifest import Section
from synthlens.report.registry import FIGURE, TABLE, Entry
from synthlens.report.rundata import RunData, load_run
from synthlens.report.tabular import Table
from synthlens.stages import report
from test_report import DECODINGS, DOMAINS, make_params, write_metrics

MODELS = ["llama-2-7b", "llama-2-7b-chat"]
# written by the report stage itself, not by a registry entry
STAGE_FILES = {"results.csv", "results.md", "provenance.md", "index.html", "plots"}


# ------------------------------------------------ the worked example of docs/extending.md
WORDS = Section("Words per sample", "How long are the samples? The mean number of words per "
                "sample of each dataset, the reference's first.")


def table_words(run: RunData, params: Params) -> Table:
    """One row per dataset of the run: its mean words per sample (mean_words of its metrics
    file, a column rundata.COLUMNS keeps in every flat row)."""
    t = Table("table_words", "Mean words per sample of each dataset",
              ["domain", "model", "decoding", "mean words"],
              keys=["domain", "model", "decoding", "mean_words"],
              notes=["mean words: mean_words of the dataset's metrics file."])
    for r in run.rows:
        decoding = "—" if r["kind"] == "reference" else r["decoding"]
        t.rows.append([r["domain"], r["model"], decoding, r["mean_words"]])
    return t


@pytest.fixture
def metrics(tmp_path) -> tuple[Params, Path]:
    params = make_params(models=MODELS)
    write_metrics(tmp_path / "metrics", params)
    return params, tmp_path / "metrics"


def test_a_registered_table_is_written_listed_and_shown(metrics, tmp_path, monkeypatch):
    params, metrics_dir = metrics
    monkeypatch.setattr(registry, "ENTRIES",
                        [*registry.ENTRIES, Entry("table_words", TABLE, WORDS, table_words)])
    manifest = report.run(params, tmp_path / "out", metrics_dir)
    out = tmp_path / "out"

    with (out / "table_words.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["domain", "model", "decoding", "mean_words"]
    # write_metrics: 20 words per reference sample, 15 per synthetic one; — is empty in a CSV
    assert len(rows) == len(DOMAINS) * (1 + len(MODELS) * len(DECODINGS))
    assert [(r["model"], r["decoding"], r["mean_words"]) for r in rows[:2]] == [
        ("reference", "", "20.0"), ("reference", "", "20.0")]
    assert {r["mean_words"] for r in rows[2:]} == {"15.0"}
    assert (out / "table_words.md").read_text().startswith("# Mean words per sample")
    assert "\\caption{Mean words per sample of each dataset}" in \
        (out / "table_words.tex").read_text()
    assert {"table_words.csv", "table_words.md", "table_words.tex"} <= set(manifest.files())
    assert {a.section for a in manifest.artefacts if a.file.startswith("table_words.")} == \
        {"Words per sample"}

    page = (out / "index.html").read_text()
    section = page.split('<section id="words-per-sample">')[1].split('<section id="provenance">')[0]
    assert "<h2>Words per sample</h2>" in section and html.escape(WORDS.intro) in section
    assert 'id="table_words"' in section and "<td>sst2</td>" in section
    # a new section goes where its first entry is: after the registry's last one (Cost)
    assert page.index('<section id="cost">') < page.index('<section id="words-per-sample">') \
        < page.index('<section id="provenance">')


def test_every_entry_writes_its_files_under_its_section(metrics, tmp_path):
    params, metrics_dir = metrics
    manifest = report.run(params, tmp_path / "out", metrics_dir)
    section_of = {a.file: a.section for a in manifest.artefacts}
    for e in registry.ENTRIES:
        if "<" in e.stem:   # one figure per domain and trade-off
            files = [f for f in section_of if f.startswith(e.stem.split("<")[0])]
            assert len(files) == len(DOMAINS) * 3, e.stem
        else:
            files = [f"{e.stem}.{x}" for x in (("csv", "md", "tex") if e.kind == TABLE
                                              else ("png",))]
        for f in files:
            assert section_of.get(f) == e.section.title, f
            assert (tmp_path / "out" / f).is_file(), f
            if e.kind == FIGURE:
                assert (tmp_path / "out" / f).with_suffix(".pdf").is_file(), f


def test_a_table_not_named_after_its_entry_is_refused(metrics, monkeypatch):
    params, metrics_dir = metrics
    monkeypatch.setattr(registry, "ENTRIES", [Entry("table_length", TABLE, WORDS, table_words)])
    with pytest.raises(ValueError, match="'table_length'.*'table_words'"):
        registry.build_tables(load_run(params, metrics_dir), params)


def test_stems_are_unique_and_sections_keep_their_text():
    stems = [e.stem for e in registry.ENTRIES]
    assert len(stems) == len(set(stems))
    sections = {}
    for e in registry.ENTRIES:
        assert sections.setdefault(e.section.title, e.section) == e.section, e.section.title
        assert e.kind in (TABLE, FIGURE)


def test_the_registry_and_the_report_stage_outs_name_the_same_files():
    """A table or figure added to the registry is declared in dvc.yaml too (and the other way
    round), so DVC tracks every file the report stage writes."""
    stage = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]["report"]
    declared = {Path(name).relative_to("paper_figures").as_posix()
                for out in stage["outs"] for name in out} - STAGE_FILES
    listed = set()
    for e in registry.ENTRIES:
        if "<" in e.stem:
            listed.add(e.stem.split("/")[0])   # the per_domain folder
        else:
            listed |= {f"{e.stem}.{x}" for x in (("csv", "md", "tex") if e.kind == TABLE
                                                 else ("png", "pdf"))}
    assert listed - declared == set(), "in the registry, not in dvc.yaml's report outs"
    assert declared - listed == set(), "in dvc.yaml's report outs, not in the registry"
