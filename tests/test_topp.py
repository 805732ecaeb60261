"""sampling.TopP keeps exactly the tokens transformers' TopPLogitsWarper keeps (it only avoids
the full sort), including rows whose nucleus is wider than its k candidates, and a row's
result does not depend on the other rows of its batch."""
import pytest
import torch
from transformers import TopPLogitsWarper

from synthlens.generation.sampling import TopP


@pytest.mark.parametrize("vocab,top_p,k", [(5000, 0.9, 1024), (5000, 0.9, 8), (300, 0.5, 1024),
                                           (49152, 0.95, 64)])
def test_same_nucleus_as_transformers(vocab, top_p, k):
    torch.manual_seed(0)
    scores = torch.randn(6, vocab) * 3
    scores[1] = torch.randn(vocab) * 0.01  # a flat row: its nucleus is wider than k
    expected = TopPLogitsWarper(top_p)(None, scores.clone())
    got = TopP(top_p, k)(None, scores.clone())
    assert torch.equal(torch.isfinite(expected), torch.isfinite(got))
    assert torch.equal(expected[torch.isfinite(expected)], got[torch.isfinite(got)])


def test_row_independent_of_batch():
    torch.manual_seed(1)
    scores = torch.randn(4, 3000) * 2
    scores[2] = torch.randn(3000) * 0.01
    alone = TopP(0.9, 16)(None, scores[:1].clone())
    batched = TopP(0.9, 16)(None, scores.clone())[:1]
    assert torch.equal(torch.isfinite(alone), torch.isfinite(batched))
    assert torch.equal(alone[torch.isfinite(alone)], batched[torch.isfinite(batched)])
