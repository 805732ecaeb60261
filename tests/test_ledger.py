"""The generation ledger (generation/ledger.py, stage generate): token counts as the backend
reports them, money at the params' prices, and the budget cap that stops an API run before a
batch could pass it, keeping what was paid for."""
import math

import pytest

from synthlens.config import Params
from synthlens.generation.ledger import BudgetExceeded, Ledger, Prices
from synthlens.layout import ledger_file, synthetic_file
from synthlens.records import read_json, read_jsonl
from synthlens.stages import generate

from fake_api import api_cwd, one_api_cell  # noqa: F401 (api_cwd: a fixture)

N = 12


@pytest.fixture
def api(api_cwd):
    return api_cwd


def params_for(mini_params, base_url, **api) -> Params:
    return one_api_cell(mini_params, base_url, N, **api)


def test_prices_and_sums():
    p = Prices(prompt=2.0, output=4.0)
    assert p.cost(1_000_000, 500_000) == pytest.approx(4.0)
    assert Prices().cost(10, 10) is None and p.cost(None, 3) is None
    ledger = Ledger(p, cap_usd=1.0)
    ledger.charge([{"prompt_tokens": 100_000, "output_tokens": 100_000}])
    assert ledger.spent_usd == pytest.approx(0.6)
    with pytest.raises(BudgetExceeded, match="max_cost_usd"):
        ledger.check(["x" * 400_000], 100_000)   # 100k + 100k tokens more: 0.6 + 0.6 > 1
    ledger.check(["x" * 40], 10)                 # a small batch still fits


def test_the_ledger_holds_the_api_usage_and_its_cost(api, mini_params):
    params = params_for(mini_params, api.base_url, prompt_price_per_million=1000.0,
                        output_price_per_million=3000.0)
    generate.run(params, "api-model")
    rows = read_jsonl(synthetic_file("api-model", "reviews", "t1_0"))
    # the fake server reports words as tokens: the prompt's and the reply's
    prompt = sum(len(r["prompt"].split()) for r in rows)
    output = sum(len(r["raw_text"].split()) for r in rows)
    cell = read_json(ledger_file("api-model"))["reviews/t1_0"]
    assert (cell["samples"], cell["prompt_tokens"], cell["output_tokens"]) == (N, prompt, output)
    assert cell["cost_usd"] == pytest.approx((1000 * prompt + 3000 * output) / 1e6)
    assert cell["device"] == "api" and cell["seconds"] > 0


def test_the_cap_stops_before_a_batch_could_pass_it_and_a_higher_cap_resumes(api, mini_params):
    # a batch of 4 requests may cost 4 x (prompt estimate + 8 tokens) x $1000 per million:
    # about $0.1; a cap of $0.25 lets two batches go and stops the third before it is sent
    params = params_for(mini_params, api.base_url, prompt_price_per_million=1000.0,
                        output_price_per_million=1000.0, max_cost_usd=0.25)
    with pytest.raises(BudgetExceeded):
        generate.run(params, "api-model")
    sent = len(api.requests)
    assert 0 < sent < N and sent % 4 == 0
    spent = sum(1000 * (len(r["body"]["messages"][0]["content"].split()) + 8)
                for r in api.requests) / 1e6
    assert spent <= 0.25
    assert not synthetic_file("api-model", "reviews", "t1_0").exists()
    higher = params_for(mini_params, api.base_url, prompt_price_per_million=1000.0,
                        output_price_per_million=1000.0, max_cost_usd=10.0)
    generate.run(higher, "api-model")
    assert len(api.requests) == N          # the paid requests were not sent again
    cell = read_json(ledger_file("api-model"))["reviews/t1_0"]
    assert cell["samples"] == N and not math.isnan(cell["cost_usd"])
