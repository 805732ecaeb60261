"""MAUVE's reference side: featurize keeps a pool of R-train features large enough for every
MAUVE seed to draw its own reference subsample, and conformity draws a different one per seed
(the reported std then carries the reference side's noise too)."""
import numpy as np

from synthlens.metrics import characteristics


def test_each_seed_draws_its_own_reference_subsample(monkeypatch):
    drawn = []

    def fake_mauve(p_features, q_features, **kw):
        drawn.append(frozenset(map(float, p_features[:, 0])))

        class Out:
            mauve = 0.5
        return Out()

    import mauve
    monkeypatch.setattr(mauve, "compute_mauve", fake_mauve)
    reference = np.arange(300, dtype=float).reshape(-1, 1).repeat(2, axis=1)  # row i = (i, i)
    synthetic = np.zeros((100, 2))
    out = characteristics.conformity(reference, synthetic, seeds=[0, 1, 2], max_samples=100)
    assert out["mauve_n"] == 100
    assert len(drawn) == 3 and all(len(d) == 100 for d in drawn)
    assert len(set(drawn)) == 3, "every seed must see its own reference rows"


def test_featurize_pool_is_samples_times_seeds(tmp_path, monkeypatch, mini_params, write_params):
    from synthlens.config import load_params
    from synthlens.records import read_npz, write_jsonl
    from synthlens.stages import featurize

    monkeypatch.chdir(tmp_path)
    rows = [{"text": f"text number {i}", "label": i % 2} for i in range(50)]
    write_jsonl(tmp_path / "data/reference/reviews/train.jsonl", rows)
    write_jsonl(tmp_path / "data/reference/reviews/test.jsonl", rows[:30])
    mini_params["evaluate"].update(mauve_samples=8, mauve_seeds=[0, 1, 2])
    params = load_params(write_params(mini_params))
    monkeypatch.setattr(featurize, "embed", lambda spec, texts, device=None:
                        np.array([[float(t.split()[-1])] for t in texts]))
    featurize.run(params, "reviews")
    features = read_npz(tmp_path / "data/features/reviews.npz")
    assert len(features["train"]) == 24 and len(features["test"]) == 8
    assert len(set(features["train"][:, 0])) == 24
