"""Cleaning keeps the sample (issue 8): a chat model's preamble goes, the text stays; a
refusal, an empty text and a cut-off sample are flagged; the rules live in params."""
import pytest

from synthlens.config import CleaningSpec, ConfigError, load_params
from synthlens.generation.prompts import clean_output
from synthlens.generation.sampling import Completion, completion, cut_at_stop, sample_flags

RULES = CleaningSpec()


@pytest.mark.parametrize("raw, text", [
    ("Sure! Here is a positive review:\n\nGreat film.", "Great film."),
    ("  Sure! Here is a positive movie review:\n\n\"Great film, superb cast.\"\n\nI hope "
     "this helps!", "Great film, superb cast."),
    ("Sure! Here is a positive review: Great film.", "Great film."),
    ("Here's a short news story about sports:\n\nThe Lakers won by ten.", "The Lakers won by ten."),
    ("Here\u2019s a short news story about sports: The Lakers won.", "The Lakers won."),
    ("Certainly! Here is a question about cooking:\nHow long should I roast a chicken?",
     "How long should I roast a chicken?"),
    ("Okay, here is a negative review:\nA dull, lifeless script.", "A dull, lifeless script."),
    ("Of course!\n\nHere is a review:\n\nA dull script.", "A dull script."),
    ("Sure, here's a positive movie review for you!\n\nGreat.", "Great."),
    ("Sure! Here is a positive review:", ""),
])
def test_chat_preamble_is_dropped_and_the_text_kept(raw, text):
    assert clean_output(raw, RULES) == text


@pytest.mark.parametrize("raw", [
    "Great film.", "Okay movie, nothing special.", "Here is a film that dares to be different.",
    "Sure footing is what this thriller lacks.", "Certainly the best film of the year.",
])
def test_plain_text_is_unchanged(raw):
    assert clean_output(raw, RULES) == raw


@pytest.mark.parametrize("raw, text", [
    (" the cast was superb and the plot was gripping.\n\nHere is a news story:",
     "the cast was superb and the plot was gripping."),
    ('  "A fine film."  \n\nSecond paragraph', "A fine film."),
    ("a\n  b ", "a b"),
    ("", ""),
])
def test_vanilla_continuations_are_cleaned_as_before(raw, text):
    assert clean_output(raw, RULES) == clean_output(raw) == text


def test_preamble_rules_come_from_params():
    rules = CleaningSpec(preambles=[r"review \d+:"])
    assert clean_output("Review 3: Great film.", rules) == "Great film."
    assert clean_output("Sure! Here is a review:\n\nGreat.", rules) == "Sure! Here is a review:"
    # a rule whose match ends neither in a colon nor at a line end drops nothing
    assert clean_output("Okay movie.", CleaningSpec(preambles=["okay"])) == "Okay movie."


@pytest.mark.parametrize("raw, refused", [
    ("I'm sorry, but I can't write a review that promotes hate.", True),
    ("I apologize, but I cannot fulfill your request.", True),
    ("I cannot fulfill this request.", True),
    ("I can\u2019t help with that.", True),
    ("As an AI language model, I do not have opinions about films.", True),
    ("Sure! Here is a review:\n\nAs an AI, I loved it.", True),
    ("I'm afraid I can't write that.", True),
    ("I’m unable to create that content.", True),
    ("I'm sorry I wasted two hours on this film.", False),
    ("I cannot recommend this film enough.", False),
    ("Great film.", False),
])
def test_refusals_are_flagged_on_the_raw_text(raw, refused):
    flags = sample_flags(completion(raw, False, RULES), RULES)
    assert flags == {"empty": False, "cut_off": False, "refused": refused}


def test_empty_and_cut_off_flags():
    assert sample_flags(completion("Sure! Here is a review:", False, RULES), RULES) == {
        "empty": True, "cut_off": False, "refused": False}
    assert sample_flags(Completion("A long", "A long", True), RULES)["cut_off"] is True
    assert sample_flags(Completion("x", "As an AI", False), CleaningSpec(refusals=[]))[
        "refused"] is False


def test_cut_at_stop_takes_the_first_stop_string():
    assert cut_at_stop("one. END two ### three", ["###", "END"]) == ("one. ", True)
    assert cut_at_stop("no stop here", ["###"]) == ("no stop here", False)
    assert cut_at_stop("text", []) == ("text", False)


@pytest.mark.parametrize("cleaning, key", [
    ({"preambles": ["(unclosed"]}, "generate.cleaning.preambles.0"),
    ({"refusals": ["ok", "[a-"]}, "generate.cleaning.refusals.1"),
    ({"stop_strings": [""]}, "generate.cleaning.stop_strings.0"),
    ({"stop_words": ["x"]}, "generate.cleaning.stop_words: unknown key"),
])
def test_bad_cleaning_rules_fail_before_any_work(mini_params, write_params, cleaning, key):
    mini_params["generate"]["cleaning"] = cleaning
    with pytest.raises(ConfigError, match=key):
        load_params(write_params(mini_params))


def test_cleaning_defaults_and_overrides_from_params(mini_params, write_params):
    assert load_params(write_params(mini_params)).generate.cleaning == CleaningSpec()
    mini_params["generate"]["cleaning"] = {"stop_strings": ["\n\n"]}
    cleaning = load_params(write_params(mini_params)).generate.cleaning
    assert cleaning.stop_strings == ["\n\n"] and cleaning.preambles == RULES.preambles
