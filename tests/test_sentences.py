import pytest

from voiced.sentences import SentenceSplitter
from voiced.speakable import speakable


def pieces(text: str) -> list[str]:
    """Cut text into tokens of 1, 2 and 3 characters in turn, as an LLM might stream it."""
    out, start, size = [], 0, 1
    while start < len(text):
        out.append(text[start : start + size])
        start += size
        size = size % 3 + 1
    return out


def stream(text: str, first_clause_min_chars: int = 0) -> list[str]:
    """Feed text token by token, then flush; return every piece in order."""
    splitter = SentenceSplitter(first_clause_min_chars)
    result = []
    for token in pieces(text):
        result += splitter.feed(token)
    return result + splitter.flush()


def test_sentences_come_out_in_order():
    text = "The sky is blue. Grass is green. Snow is white."
    assert stream(text) == ["The sky is blue.", "Grass is green.", "Snow is white."]


def test_a_later_sentence_is_returned_as_soon_as_the_space_after_it_arrives():
    splitter = SentenceSplitter()
    assert splitter.feed("Hi. Hello there.") == ["Hi."]
    assert splitter.feed(" How") == ["Hello there."]
    assert splitter.flush() == ["How"]


@pytest.mark.parametrize(
    "first", ["The capital of France is Paris.", "Why?", "Yes!", 'He said "no."', "No."]
)
def test_the_first_sentence_is_returned_with_its_last_token(first):
    splitter = SentenceSplitter()
    assert splitter.feed(first) == [first]


@pytest.mark.parametrize(
    "text",
    [
        *("It is 3.", "Dr.", "Born in the U.S.", "It is, e.g.", 'He said "Hi.', "Prof."),
        *("Ask (Dr.", "Born Jan.", "It is at No.", "Climb Mt.", "It is 9 a.m."),
    ],
)
def test_the_first_sentence_waits_after_numbers_initials_and_abbreviations(text):
    splitter = SentenceSplitter()
    assert splitter.feed(text) == []


def test_a_first_clause_is_returned_with_its_last_token_once_long_enough():
    splitter = SentenceSplitter(first_clause_min_chars=10)
    assert splitter.feed("Well,") == []
    assert splitter.feed(" Paris is the capital,") == ["Well, Paris is the capital,"]
    assert splitter.feed(" and big,") == []
    assert SentenceSplitter().feed("Paris is the capital,") == []  # no first clauses


@pytest.mark.parametrize(
    "text",
    [
        "Dr. Smith is in. ",
        "Ask Mrs. Jones about it. ",
        "Fruit, e.g. apples, is good. ",
        "It costs 3.5 dollars. ",
        "Pi is about 3.14159 exactly. ",
        "The store opens at 9 a.m. on weekdays. ",
        "The U.S. has fifty states. ",
        "Some fruits (e.g. apples) are red. ",
        "Prof. Smith teaches at No. 5 Main St. in town. ",
        "Mt. Everest is approx. 9 km high. ",
        "Born Jan. 5, 1990, he lived. ",
        "Acme Inc. hired Sam Cole Jr. today. ",
    ],
)
def test_abbreviations_and_decimals_do_not_end_a_sentence(text):
    assert stream(text + "Next one.") == [text.strip(), "Next one."]


@pytest.mark.parametrize("end", ["?", "!", "?!", "...", '."', ".'", ".)", '?"'])
def test_question_marks_exclamations_and_closing_quotes_end_a_sentence(end):
    # The model's tokenizer streams a run of punctuation as one token.
    splitter = SentenceSplitter()
    pieces = splitter.feed("Yes. He said hi") + splitter.feed(end) + splitter.feed(" Then left.")
    assert pieces + splitter.flush() == ["Yes.", f"He said hi{end}", "Then left."]


def test_flush_returns_the_unfinished_rest():
    splitter = SentenceSplitter()
    assert splitter.feed("One. Two and") == ["One."]
    assert splitter.flush() == ["Two and"]
    assert splitter.flush() == []


def test_flush_of_only_white_space_returns_nothing():
    splitter = SentenceSplitter()
    splitter.feed("Done. \n ")
    assert splitter.flush() == []


def test_without_first_clause_option_commas_never_split():
    text = "Paris is the capital of France, and it is big. Yes."
    assert stream(text) == ["Paris is the capital of France, and it is big.", "Yes."]


def test_first_clause_is_cut_at_a_comma_once_long_enough():
    text = "Paris is the capital of France, and it is big. Yes."
    assert stream(text, first_clause_min_chars=10) == [
        "Paris is the capital of France,",
        "and it is big.",
        "Yes.",
    ]


def test_first_clause_is_not_cut_at_a_comma_before_the_minimum():
    text = "Well, Paris is the capital of France, and it is big."
    assert stream(text, first_clause_min_chars=10) == [
        "Well, Paris is the capital of France,",
        "and it is big.",
    ]


def test_first_clause_cut_applies_to_the_first_piece_only():
    text = "Yes. The capital of France is Paris, which is big, and old. It is nice, too."
    assert stream(text, first_clause_min_chars=5) == [
        "Yes.",
        "The capital of France is Paris, which is big, and old.",
        "It is nice, too.",
    ]


def test_after_a_first_clause_later_commas_do_not_cut():
    text = "The capital of France is Paris, which is big, and old, and lovely. Yes."
    assert stream(text, first_clause_min_chars=5) == [
        "The capital of France is Paris,",
        "which is big, and old, and lovely.",
        "Yes.",
    ]


def test_a_numbered_list_is_cut_before_each_item_and_its_marks_are_not_said():
    # As the default model streams it: a mark's full stop is a token of its own.
    tokens = ["Sure", "!", " Here", " is", " a", " list", ":\n", "1", ".", " eggs", "\n"]
    tokens += ["2", ".", " milk", "."]
    splitter = SentenceSplitter(first_clause_min_chars=24)
    result = [piece for token in tokens for piece in splitter.feed(token)] + splitter.flush()
    assert result == ["Sure!", "Here is a list:", "1. eggs", "2. milk."]
    assert [speakable(piece) for piece in result] == ["Sure!", "Here is a list:", "eggs", "milk."]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Steps:\n1) Open the app.\n2) Tap it\n",
            ["Steps:", "1) Open the app.", "2) Tap it"],
        ),
        (
            "Do this:\n1. Open the app.\n  2. Tap it.",
            ["Do this:", "1. Open the app.", "2. Tap it."],
        ),
        ("Fruit:\n1. Apples:\n   - red\n2. Pears", ["Fruit:", "1. Apples:", "- red", "2. Pears"]),
        ("Buy:\n\n- eggs\n- milk\n\nThat is all.", ["Buy:", "- eggs", "- milk", "That is all."]),
        ("## Answer\n\nParis.", ["## Answer", "Paris."]),
        ("I have 2. Then 3. Done.", ["I have 2.", "Then 3.", "Done."]),
    ],
)
def test_a_list_item_or_a_blank_line_starts_a_piece_and_a_mid_line_number_still_ends_one(
    text, expected
):
    assert stream(text) == expected


@pytest.mark.parametrize(
    "text, said",
    [
        ("8. Spiders have eight legs.", ["8.", "Spiders have eight legs."]),
        ("8) Spiders have eight legs.", ["8)", "Spiders have eight legs."]),
        ("The answer is:\n42. That is all.", ["The answer is:", "42.", "That is all."]),
        ("I was born in\n1990. Then I moved.", ["I was born in 1990.", "Then I moved."]),
        ("We moved in\n1990) to Rome.", ["We moved in 1990) to Rome."]),
        (
            "Sure.\n\n7. That is my pick.\nIt is odd.",
            ["Sure.", "7.", "That is my pick.", "It is odd."],
        ),
        ("Here is one:\n1. Eggs.", ["Here is one:", "1.", "Eggs."]),
        # A list that starts the answer keeps all its numbers, not only the first.
        ("1. Open it.\n2. Tap it.", ["1.", "Open it.", "2.", "Tap it."]),
    ],
)
def test_a_number_that_begins_the_answer_or_a_line_outside_a_list_is_said(text, said):
    assert [speakable(piece) for piece in stream(text)] == said


def test_a_number_that_begins_the_answer_is_returned_with_the_next_token():
    splitter = SentenceSplitter()
    assert splitter.feed("8.") == []
    assert splitter.feed(" Spiders") == ["8."]


def test_a_list_item_waits_for_the_next_line_to_say_whether_its_number_is_a_mark():
    splitter = SentenceSplitter()
    assert splitter.feed("Tips:\n1. Drink water. It helps.\n") == ["Tips:"]
    assert splitter.feed("2") == []
    assert splitter.feed(". Sleep") == ["1. Drink water.", "It helps."]


def test_the_item_before_a_list_is_returned_when_the_first_mark_is_complete():
    splitter = SentenceSplitter()
    assert splitter.feed("Here is a list:\n1.") == []
    assert splitter.feed(" eggs") == ["Here is a list:"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("It opens at 9 a.m. Then we eat.", ["It opens at 9 a.m.", "Then we eat."]),
        ("Is it open? I said no. Then I left.", ["Is it open?", "I said no.", "Then I left."]),
    ],
)
def test_a_time_of_day_or_no_ends_a_sentence_when_the_next_word_says_so(text, expected):
    assert stream(text) == expected


def test_a_time_of_day_at_the_end_of_the_answer_is_returned_at_the_end():
    splitter = SentenceSplitter()
    assert splitter.feed("It opens at 9 a.m.") == []
    assert splitter.flush() == ["It opens at 9 a.m."]
