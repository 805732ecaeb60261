"""The mini profile's reference domains, written by a deterministic generator.

Real classifiers must not find these trivial: reviews mix aspects ("great cast, but a dull
plot"), negate ("not bad at all"), wander off topic, and some labels are flipped; news
stories borrow vocabulary from neighbouring topics. The same seed always gives the same data.
"""
from __future__ import annotations

import random

# ---------------------------------------------------------------- reviews (SST-2 style)
_ASPECTS = ["acting", "plot", "script", "soundtrack", "cinematography", "pacing", "dialogue",
            "ending", "cast", "direction", "editing", "lead performance", "humor", "score",
            "set design", "story", "characters", "final act", "villain", "screenplay"]
_POS = ["brilliant", "moving", "sharp", "gorgeous", "witty", "gripping", "tender", "superb",
        "clever", "heartfelt", "delightful", "stunning", "assured", "funny", "haunting",
        "charming", "bold", "memorable", "beautifully paced", "genuinely surprising"]
_NEG = ["dull", "clumsy", "tedious", "flat", "lifeless", "predictable", "bloated", "messy",
        "forgettable", "shallow", "grating", "limp", "incoherent", "lazy", "overlong",
        "painfully slow", "hollow", "wooden", "contrived", "tiresome"]
_INTENS = ["", "", "", "really ", "truly ", "quite ", "remarkably ", "oddly ", "mostly "]
_FILM = ["the film", "this movie", "the picture", "it", "this sequel", "the documentary",
         "this thriller", "the comedy", "this drama", "the adaptation"]
_POS_OVERALL = ["I would happily watch it again.", "Worth every minute.",
                "One of the better films this year.", "I left the theater smiling.",
                "Recommended.", "It earns its running time.", "A small triumph."]
_NEG_OVERALL = ["I would not sit through it again.", "A waste of two hours.",
                "Skip this one.", "I checked my watch more than once.",
                "It never earns its running time.", "A real disappointment.",
                "Not worth the ticket."]
_OFF_TOPIC = ["I saw it on a rainy Tuesday with my cousin.", "The popcorn was stale.",
              "The theater was half empty.", "My friend fell asleep halfway through.",
              "We arrived late because of traffic.", "The trailer gave away most of it.",
              "I watched it on a long flight.", "The seats were uncomfortable."]


def _aspect_sentence(rng: random.Random, polarity: int) -> tuple[str, float]:
    """One clause about one aspect; negation flips the polarity but weakens it."""
    aspect = rng.choice(_ASPECTS)
    negated = rng.random() < 0.2
    word_polarity = -polarity if negated else polarity
    adj = rng.choice(_POS if word_polarity > 0 else _NEG)
    if negated:
        return f"the {aspect} was not {adj}", 0.6 * polarity
    return f"the {aspect} was {rng.choice(_INTENS)}{adj}", 1.0 * polarity


def review(rng: random.Random) -> tuple[str, int]:
    """A review and its true label (0 negative, 1 positive) before label noise."""
    score = 0.0
    sentences: list[str] = []
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        kind = rng.random()
        polarity = rng.choice([-1, 1])
        if kind < 0.45:
            clause, s = _aspect_sentence(rng, polarity)
            sentences.append(f"{rng.choice(_FILM).capitalize()} works because {clause}."
                             if polarity > 0 and rng.random() < 0.3 else clause.capitalize() + ".")
            score += s
        elif kind < 0.75:  # mixed aspects: the clause after "but" carries more weight
            first, s1 = _aspect_sentence(rng, -polarity)
            second, s2 = _aspect_sentence(rng, polarity)
            sentences.append(f"{first.capitalize()}, but {second}.")
            score += 0.5 * s1 + 1.2 * s2
        elif kind < 0.9:
            sentences.append(rng.choice(_POS_OVERALL if polarity > 0 else _NEG_OVERALL))
            score += 1.3 * polarity
        else:
            sentences.append(rng.choice(_OFF_TOPIC))
    if rng.random() < 0.35:
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(_OFF_TOPIC))
    if abs(score) < 1e-9:  # no usable cue: the label is a coin flip, as for real raters
        score = rng.choice([-1, 1])
    return " ".join(sentences), int(score > 0)


# ---------------------------------------------------------------- news (AG News style)
_NEWS = {
    0: dict(  # World
        actors=["The prime minister", "Rebel leaders", "The United Nations", "Foreign ministers",
                "Election officials", "Peacekeepers", "The president", "Opposition parties",
                "Diplomats", "Border guards"],
        verbs=["called for talks on", "rejected a deal over", "warned of unrest after",
               "signed a treaty on", "held emergency talks about", "condemned",
               "announced sanctions over", "postponed a vote on"],
        objects=["the disputed border", "the ceasefire", "the refugee crisis",
                 "the new constitution", "the nuclear programme", "the hostage standoff",
                 "parliamentary elections", "the peace plan"],
        places=["Baghdad", "Kabul", "Nairobi", "Jerusalem", "Caracas", "Kyiv", "Manila",
                "Islamabad", "Khartoum", "Brussels"]),
    1: dict(  # Sports
        actors=["The striker", "The home side", "The defending champions", "The coach",
                "The veteran pitcher", "The rookie quarterback", "The tennis star",
                "The national team", "The goalkeeper", "The club captain"],
        verbs=["clinched", "crashed out of", "battled back to win", "was suspended before",
               "set a record in", "signed a new contract ahead of", "dominated",
               "lost in overtime in"],
        objects=["the semifinal", "the league title", "the playoff opener", "the derby",
                 "the grand slam final", "the qualifying round", "the world cup",
                 "the season finale"],
        places=["Madrid", "Boston", "Melbourne", "Manchester", "Athens", "Chicago", "Milan",
                "Dallas", "Toronto", "Munich"]),
    2: dict(  # Business
        actors=["Shares of the retailer", "The central bank", "Oil prices", "The airline",
                "Investors", "The carmaker", "Wall Street", "The insurer", "Bond yields",
                "The bank"],
        verbs=["fell sharply after", "rallied on", "cut its forecast because of",
               "reported record profit from", "announced layoffs after",
               "agreed to a merger following", "slipped ahead of", "raised rates after"],
        objects=["weak quarterly earnings", "the takeover bid", "rising fuel costs",
                 "the interest rate decision", "slowing consumer demand",
                 "the pension deficit", "the trade figures", "the bankruptcy filing"],
        places=["New York", "London", "Tokyo", "Frankfurt", "Hong Kong", "Zurich",
                "Singapore", "Paris", "Chicago", "Toronto"]),
    3: dict(  # Sci/Tech
        actors=["Researchers", "The software maker", "NASA engineers", "The chip designer",
                "Astronomers", "The search company", "Security experts", "Biologists",
                "The startup", "Physicists"],
        verbs=["unveiled", "discovered", "released a patch for", "launched", "warned about",
               "demonstrated", "published a study on", "delayed"],
        objects=["a new processor", "a distant planet", "a browser flaw", "a Mars probe",
                 "a computer virus", "a faster wireless standard", "a gene linked to aging",
                 "an open source operating system"],
        places=["Silicon Valley", "Seattle", "Geneva", "Houston", "Cambridge", "Bangalore",
                "Tokyo", "Redmond", "Pasadena", "Helsinki"]),
}
_NEWS_CONNECTORS = ["amid concerns about", "days after news of", "as analysts weighed",
                    "while critics pointed to", "in a week dominated by"]
_NEWS_FILLER = ["Officials declined to comment.", "More details are expected on Monday.",
                "The story is developing.", "Reuters contributed to this report.",
                "Reaction was mixed.", "Analysts were divided."]


def news(rng: random.Random) -> tuple[str, int]:
    """A news blurb and its topic (0 World, 1 Sports, 2 Business, 3 Sci/Tech)."""
    topic = rng.randrange(4)
    vocab = _NEWS[topic]
    text = (f"{rng.choice(vocab['actors'])} {rng.choice(vocab['verbs'])} "
            f"{rng.choice(vocab['objects'])}")
    if rng.random() < 0.6:
        text += f" in {rng.choice(vocab['places'])}"
    if rng.random() < 0.45:  # a subordinate mention of another topic blurs the boundary
        other = _NEWS[rng.choice([t for t in range(4) if t != topic])]
        text += f", {rng.choice(_NEWS_CONNECTORS)} {rng.choice(other['objects'])}"
    text += "."
    if rng.random() < 0.4:
        text += " " + rng.choice(_NEWS_FILLER)
    if rng.random() < 0.2:  # headline-only story whose actor belongs to another topic
        other = _NEWS[rng.choice([t for t in range(4) if t != topic])]
        text = (f"{rng.choice(other['actors'])} {rng.choice(vocab['verbs'])} "
                f"{rng.choice(vocab['objects'])}.")
    return text, topic


GENERATORS = {"reviews": review, "news": news}


def make_split(kind: str, n: int, n_labels: int, label_noise: float, seed: int) -> list[dict]:
    """n examples of a builtin domain; a fraction label_noise gets a wrong label."""
    if kind not in GENERATORS:
        raise ValueError(f"unknown builtin domain '{kind}' (known: {sorted(GENERATORS)})")
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        text, label = GENERATORS[kind](rng)
        if label >= n_labels:
            raise ValueError(f"builtin domain '{kind}' has more labels than the {n_labels} "
                             "named in params")
        if rng.random() < label_noise:
            label = rng.choice([x for x in range(n_labels) if x != label])
        rows.append({"text": text, "label": label})
    return rows
