"""The default profile is a study of real text (issue 17), checked on the results the repository
carries (data/metrics: the committed run, or this checkout's own run after make reproduce):
every dataset is scored on the real SST-2 and AG News domains, most samples end on their own,
and the reference classifier learned the real task."""
import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text())
METRICS = sorted((ROOT / "data" / "metrics").glob("*/*/*.json"))


def test_the_default_grid_is_real_text_read_from_the_repository():
    assert PARAMS["grid"]["domains"] == ["sst2", "ag_news"]
    assert PARAMS["train_generator"]["domains"] == PARAMS["grid"]["domains"]
    for name in PARAMS["grid"]["domains"]:
        spec = PARAMS["domains"][name]
        assert spec["source"] == "local"
        assert set(spec["path"]) == {"train", "test"}
        for f in spec["path"].values():
            assert (ROOT / f).is_file() and f.startswith("data/raw/")
    assert "Socher" in (ROOT / "data/raw/README.md").read_text()


@pytest.mark.skipif(not METRICS, reason="no results in data/metrics")
def test_every_dataset_of_the_run_mostly_ends_on_its_own():
    """The cut-off share (samples stopped by max_new_tokens) is below one half for every
    synthetic dataset of every model, decoding and template of the run."""
    seen = set()
    for path in METRICS:
        info = json.loads(path.read_text())
        if info["info"]["kind"] not in ("synthetic", "template"):
            continue
        seen.add(info["info"]["domain"])
        assert info["cut_off_fraction"] < 0.5, (path, info["cut_off_fraction"])
    assert seen == set(PARAMS["grid"]["domains"])


@pytest.mark.skipif(not METRICS, reason="no results in data/metrics")
def test_the_reference_classifier_learned_each_real_task():
    """R-train's classifier beats always answering the majority class on R-test by a wide
    margin (majority: 0.5 on SST-2's dev split, 0.25 on the stratified AG News sample)."""
    for domain, floor in (("sst2", 0.5), ("ag_news", 0.25)):
        ref = json.loads((ROOT / "data/metrics/reference" / domain / "reference.json").read_text())
        assert ref["performance"] > floor + 0.15, (domain, ref["performance"])
