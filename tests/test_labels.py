"""Human labels (make label-export / label-import): the sample people see is stratified, seeded
and hides the intended label; a filled-in file round-trips into known scores; a malformed one
is refused row by row with nothing written."""
import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from synthlens import cli
from synthlens.metrics.human_labels import human_label_metrics
from synthlens.records import write_jsonl
from synthlens.tools import labels as labels_tool

REVIEWS = ["negative", "positive"]
NEWS = ["World", "Sports", "Business", "Sci/Tech"]


def synthetic_rows(names: list[str], per_label: int, tag: str) -> list[dict]:
    """Rows as generate writes them (sample_index runs label by label); the last of each
    label's rows is empty, as a refused generation would be."""
    return [{"sample_index": li * per_label + i, "label": li, "label_name": name,
             "text": "" if i == per_label - 1 else f"{tag} {name} story {i} about thing {i * 7}"}
            for li, name in enumerate(names) for i in range(per_label)]


@pytest.fixture
def lab(tmp_path, monkeypatch, mini_params):
    """A scratch project: params.yaml and two synthetic datasets; the reference classifier
    predicts the intended label of every text (so its agreement is known)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(mini_params, sort_keys=False))
    data = {("gpt2-mini", "reviews", "t0_5"): synthetic_rows(REVIEWS, 41, "r"),
            ("smollm2-135m-instruct", "news", "t1_0"): synthetic_rows(NEWS, 11, "n")}
    intended = {}
    for (model, domain, decoding), rows in data.items():
        write_jsonl(tmp_path / "data" / "synthetic" / model / domain / f"{decoding}.jsonl", rows)
        intended.update({r["text"]: r["label_name"] for r in rows})
    monkeypatch.setattr(labels_tool, "_predict",
                        lambda params, domain, texts: [intended[t] for t in texts])
    return {"root": tmp_path, "intended": intended, "params": mini_params}


def export(*args) -> int:
    return cli.main(["label-export", *args])


def todo(domain="reviews", model="gpt2-mini", decoding="t0_5") -> Path:
    return Path("data/human_labels") / domain / model / f"{decoding}.todo.csv"


def read_todo(path: Path) -> tuple[list[str], list[dict]]:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[0].startswith("# allowed labels:")
    reader = csv.DictReader(io.StringIO("".join(lines[1:])))
    return reader.fieldnames, list(reader)


def write_filled(path: Path, rows: list[dict]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", "dataset", "text", "label"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text("# allowed labels: negative | positive\n" + out.getvalue(), encoding="utf-8")
    return path


def test_export_is_stratified_seeded_and_hides_the_label(lab, capsys):
    assert export("--n", "30", "--domain", "reviews", "--model", "gpt2-mini") == 0
    assert export("--n", "10", "--domain", "news") == 0
    printed = capsys.readouterr().out
    assert "make label-import" in printed and "negative, positive" in printed
    # only the generated datasets: the others of the grid are skipped, and said to be
    assert sorted(str(p) for p in Path("data/human_labels").rglob("*.csv")) == [
        str(todo("news", "smollm2-135m-instruct", "t1_0")), str(todo())]
    columns, rows = read_todo(todo())
    assert columns == ["id", "dataset", "text", "label"]
    assert all(r["label"] == "" and r["dataset"] == "gpt2-mini/reviews/t0_5" for r in rows)
    intended = [lab["intended"][r["text"]] for r in rows]
    assert Counter(intended) == {"negative": 15, "positive": 15}
    assert all(r["text"] for r in rows)  # an empty text has nothing to label
    # no hint: ids are not sample indices, and neither ids nor the row order follow the label
    assert not any(r["id"].isdigit() for r in rows)
    assert intended != sorted(intended) and intended != sorted(intended, reverse=True)
    assert sorted(rows, key=lambda r: r["id"]) != sorted(rows, key=lambda r: lab["intended"][
        r["text"]])
    _, news = read_todo(todo("news", "smollm2-135m-instruct", "t1_0"))
    counts = Counter(lab["intended"][r["text"]] for r in news)
    assert sum(counts.values()) == 10 and set(counts.values()) == {2, 3}  # equal +-1

    first = todo().read_bytes()
    assert export("--n", "30", "--domain", "reviews", "--model", "gpt2-mini") == 0
    assert todo().read_bytes() == first  # same seed, same file
    lab["params"]["labels"] = {"seed": 1}
    Path("params.yaml").write_text(yaml.safe_dump(lab["params"], sort_keys=False))
    assert export("--n", "30", "--domain", "reviews", "--model", "gpt2-mini") == 0
    _, other = read_todo(todo())
    assert todo().read_bytes() != first
    assert Counter(lab["intended"][r["text"]] for r in other) == {"negative": 15, "positive": 15}


def test_a_filled_in_file_round_trips_into_known_scores(lab, capsys):
    assert export("--n", "40", "--domain", "reviews", "--model", "gpt2-mini") == 0
    _, rows = read_todo(todo())
    flip = {"negative": "positive", "positive": "negative"}
    for k, row in enumerate(rows):  # 3 of 4 right, 1 of 4 wrong; one spelt in capitals
        right = lab["intended"][row["text"]]
        row["label"] = right if k % 4 else flip[right]
    rows[1]["label"] = rows[1]["label"].upper()
    filled = write_filled(Path("filled.csv"), rows)
    assert cli.main(["label-import", "--file", str(filled)]) == 0
    saved = json.loads(Path("data/human_labels/reviews/gpt2-mini/t0_5.json").read_text())
    assert saved["n_labelled"] == 40 and saved["label_accuracy"] == 0.75
    assert saved["classifier_agreement"] == 0.75  # the classifier predicts the intended label
    assert {r["label"] for r in saved["rows"]} == set(REVIEWS)
    assert sum(r["label"] == r["intended"] for r in saved["rows"]) == 30
    assert human_label_metrics("reviews", "gpt2-mini", "t0_5") == {
        "label_accuracy": 0.75, "classifier_agreement": 0.75, "n_human_labels": 40}
    assert human_label_metrics("news", "smollm2-135m-instruct", "t1_0") is None

    # a later import of the same dataset replaces the earlier one
    for row in rows[:20]:
        row["label"] = lab["intended"][row["text"]]
    write_filled(filled, rows[:20])
    assert cli.main(["label-import", "--file", str(filled)]) == 0
    assert human_label_metrics("reviews", "gpt2-mini", "t0_5") == {
        "label_accuracy": 1.0, "classifier_agreement": 1.0, "n_human_labels": 20}
    # a dataset generated again: the labels were given to other texts
    path = Path("data/synthetic/gpt2-mini/reviews/t0_5.jsonl")
    path.write_text(path.read_text() + path.read_text().splitlines(keepends=True)[0])
    assert human_label_metrics("reviews", "gpt2-mini", "t0_5") is None


def _break(rows, filled: Path, how: str) -> None:
    """Spoils the filled-in file one way; data rows start on line 3 (comment, header)."""
    if how == "unknown label":
        rows[2]["label"] = "neutral"
    elif how == "duplicate id":
        rows[4] = dict(rows[1])
    elif how == "unknown id":
        rows[0]["id"] = "0"
    elif how == "empty label":
        rows[3]["label"] = rows[5]["label"] = ""
    write_filled(filled, rows)
    if how == "missing column":
        text = filled.read_text().replace("id,dataset,text,label", "id,dataset,text,labels")
        filled.write_text(text)
    elif how == "bad utf-8":
        lines = filled.read_bytes().split(b"\n")
        lines[6] = lines[6].replace(b"story", b"st\xe9ry")
        filled.write_bytes(b"\n".join(lines))


@pytest.mark.parametrize("how, expected", [
    ("unknown label", [":5: label 'neutral' is not one of ['negative', 'positive']"]),
    ("duplicate id", [":7: duplicate id", "(first at filled.csv:4)"]),
    ("unknown id", [":3: unknown id '0'"]),
    ("empty label", [":6: no label", ":8: no label", "filled.csv: 2 of 12 rows have no label"]),
    ("missing column", [":2: columns", "missing ['label'], unexpected ['labels']"]),
    ("bad utf-8", [":7: byte 0xe9 at column", "is not UTF-8"]),
])
def test_malformed_files_are_reported_row_by_row_and_write_nothing(lab, capsys, how, expected):
    assert export("--n", "12", "--domain", "reviews", "--model", "gpt2-mini") == 0
    _, rows = read_todo(todo())
    for row in rows:
        row["label"] = lab["intended"][row["text"]]
    filled = write_filled(Path("filled.csv"), rows)
    assert cli.main(["label-import", "--file", str(filled)]) == 0
    imported = Path("data/human_labels/reviews/gpt2-mini/t0_5.json")
    before = imported.read_bytes()
    capsys.readouterr()
    for row in rows:
        row["label"] = "negative"  # would change the scores if anything were written
    _break(rows, filled, how)
    assert cli.main(["label-import", "--file", str(filled)]) == 2
    err = capsys.readouterr().err
    for part in expected:
        assert part in err
    assert "nothing imported" in err
    assert imported.read_bytes() == before


def test_params_labels_must_name_datasets_of_the_grid(mini_params, write_params, capsys):
    mini_params["labels"] = {"samples": 10, "decodings": ["t0_5", "t9_9"]}
    assert cli.main(["--params", str(write_params(mini_params)), "validate"]) == 2
    assert "labels.decodings: 't9_9' is not in grid.decodings" in capsys.readouterr().err
    mini_params["labels"] = {"samples": 0}
    assert cli.main(["--params", str(write_params(mini_params)), "validate"]) == 2
    assert "labels.samples" in capsys.readouterr().err
