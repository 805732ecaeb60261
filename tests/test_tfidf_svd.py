"""The second featurizer (TF-IDF + SVD) is fit on R-train once per domain (issue 16): every
synthetic dataset and R-test are featurized in that one space, and the second MAUVE still tells
a dataset of the domain from one of another domain."""
import numpy as np
import pytest
import yaml

from synthlens.config import Params
from synthlens.domains.builtin import make_split
from synthlens.metrics import analyses
from synthlens.metrics.tfidf_svd import TfidfSvd

from conftest import ROOT


@pytest.fixture(scope="module")
def params():
    return Params.model_validate(yaml.safe_load((ROOT / "params.yaml").read_text()))


@pytest.fixture
def ref():
    return analyses.reference(make_split("reviews", 400, 2, 0.0, 1),
                              make_split("reviews", 200, 2, 0.0, 2), ["negative", "positive"], 0)


def count_svd_fits(monkeypatch) -> list:
    """Count every TruncatedSVD fit, however the code under test reaches sklearn."""
    from sklearn.decomposition import TruncatedSVD

    fits, real = [], TruncatedSVD.fit_transform

    def counted(self, *args, **kwargs):
        fits.append(self.n_components)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(TruncatedSVD, "fit_transform", counted)
    return fits


def test_one_fit_serves_every_dataset_of_the_domain(params, ref, monkeypatch):
    fits = count_svd_fits(monkeypatch)
    for seed in (3, 4, 5):  # three synthetic datasets
        texts = [r["text"] for r in make_split("reviews", 128, 2, 0.0, seed)]
        assert 0 <= analyses.second_mauve(params, ref, texts) <= 1
    p = ref.svd(params.analyses.svd_dim, params.seed).reference_features
    assert p.shape == (len(ref.train_texts), params.analyses.svd_dim)
    assert fits == [params.analyses.svd_dim]  # one fit, on R-train, for all three


def test_features_live_in_the_r_train_space():
    train = [r["text"] for r in make_split("reviews", 300, 2, 0.0, 1)]
    svd = TfidfSvd.fit(train, dim=16, seed=0)
    assert svd.reference_features.dtype == np.float32
    assert np.allclose(np.linalg.norm(svd.reference_features, axis=1), 1, atol=1e-5)
    # an R-train text gets its own row back; the fit does not depend on what is featurized
    np.testing.assert_allclose(svd.transform(train[:5]), svd.reference_features[:5], atol=1e-5)
    # a text of words R-train never uses has no weight: a zero row
    assert not svd.transform(["zzyzx qwv"]).any()
    # dim beyond what the data allows shrinks to what SVD can give
    assert TfidfSvd.fit(["a b", "c d", "a d"], dim=50, seed=0).reference_features.shape[1] == 2
    with pytest.raises(ValueError, match="too few texts or words"):
        TfidfSvd.fit(["a"], dim=4, seed=0)


def test_second_mauve_tells_the_domain_from_another(params, ref):
    same = [r["text"] for r in make_split("reviews", 128, 2, 0.0, 7)]
    other = [r["text"] for r in make_split("news", 128, 4, 0.0, 7)]
    assert analyses.second_mauve(params, ref, same) > 0.8
    assert analyses.second_mauve(params, ref, other) < 0.2
