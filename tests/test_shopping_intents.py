"""The shopping list by voice (voiced/intents/shopping.py): phrasings through the real
matcher, the exact answers, clearing only on a yes, and the texts it must leave alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import bare_context, fake_config, intent_engine, say_nothing
from voiced.config import Config
from voiced.intents import Action, Confirmation, IntentError, IntentMatch
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import load_registry
from voiced.intents.shopping import ADD, CLEAR, HAS, READ, REMOVE, plugin
from voiced.shopping_list import MAX_ITEMS, ShoppingList

SHOPPING_INTENTS = {ADD, REMOVE, READ, HAS, CLEAR}


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher(load_registry(), Config().devices)


@pytest.fixture
def shopping(tmp_path: Path) -> Iterator[ShoppingList]:
    yield ShoppingList(tmp_path / "shopping_list.json")


def answer(matcher: IntentMatcher, shopping: ShoppingList, text: str) -> str | Confirmation:
    """What voiced says to `text`, its Action done; a Confirmation as it is."""
    match = matcher.match(text)
    assert match is not None and match.name in SHOPPING_INTENTS, (text, match)
    handler = plugin().handlers[match.name]
    said = handler(match, bare_context(shopping_list=shopping))
    if isinstance(said, Action):
        said.act()
        return said.say
    assert isinstance(said, str | Confirmation), said
    return said


def say(matcher: IntentMatcher, shopping: ShoppingList, text: str) -> str:
    said = answer(matcher, shopping, text)
    assert isinstance(said, str), said
    return said


@pytest.mark.parametrize(
    ("text", "said", "items"),
    [
        ("Add milk to my shopping list.", "Added milk to your shopping list.", ["milk"]),
        ("put eggs on the shopping list", "Added eggs to your shopping list.", ["eggs"]),
        ("Add milk to my list.", "Added milk to your shopping list.", ["milk"]),
        ("Add milk to the grocery list please.", "Added milk to your shopping list.", ["milk"]),
        (
            "Add milk and eggs to the list.",
            "Added milk and eggs to your shopping list.",
            ["milk", "eggs"],
        ),
        (
            "Add bread, butter and jam to my shopping list.",
            "Added bread, butter and jam to your shopping list.",
            ["bread", "butter", "jam"],
        ),
        (
            "Add 2 lemons, 3 limes, and a bag of rice to the shopping list.",
            "Added 2 lemons, 3 limes and a bag of rice to your shopping list.",
            ["2 lemons", "3 limes", "a bag of rice"],
        ),
        (
            "Add to my shopping list: milk, eggs and bread.",
            "Added milk, eggs and bread to your shopping list.",
            ["milk", "eggs", "bread"],
        ),
        # A few things named with an "and" are one item; other "and"s part two.
        (
            "Add macaroni and cheese to my shopping list.",
            "Added macaroni and cheese to your shopping list.",
            ["macaroni and cheese"],
        ),
        (
            "Add salt and vinegar crisps and milk to my list.",
            "Added salt and vinegar crisps and milk to your shopping list.",
            ["salt and vinegar crisps", "milk"],
        ),
        ("Add Trader Joe's coffee to my list.", None, ["Trader Joe's coffee"]),
        ("Add the milk to my list.", None, ["milk"]),
        ("Add eggs to the list too.", None, ["eggs"]),
        ("Write down eggs on my shopping list.", None, ["eggs"]),
        # The same command twice, heard as one.
        (
            "Add milk to my shopping list and add eggs to my shopping list.",
            "Added milk and eggs to your shopping list.",
            ["milk", "eggs"],
        ),
        (
            "Add milk and add eggs to my list.",
            "Added milk and eggs to your shopping list.",
            ["milk", "eggs"],
        ),
        ("add milk and milk to my list", "Added milk to your shopping list.", ["milk"]),
    ],
)
def test_items_are_added_as_people_say_them(
    matcher: IntentMatcher,
    shopping: ShoppingList,
    text: str,
    said: str | None,
    items: list[str],
) -> None:
    assert say(matcher, shopping, text) == (said or f"Added {items[0]} to your shopping list.")
    assert shopping.items() == items


@pytest.mark.parametrize(
    ("text", "item"),
    [("Add milk to the shopping list.", "milk"), ("add 5 to the shopping list", "5")],
)
def test_near_the_timer_sentences_is_the_shopping_list_not_a_timer(
    matcher: IntentMatcher, text: str, item: str
) -> None:
    """Once left to the model by tests/test_timer_intents.py: no timer, and now an item."""
    match = matcher.match(text)
    assert match is not None and (match.name, match.slots) == (ADD, {"item": item})


def test_adding_waits_for_voiced_to_act(matcher: IntentMatcher, shopping: ShoppingList) -> None:
    match = matcher.match("Add milk to my shopping list.")
    assert match is not None and match.name == ADD
    said = plugin().handlers[ADD](match, bare_context(shopping_list=shopping))
    assert isinstance(said, Action)
    assert shopping.items() == []
    said.act()
    assert shopping.items() == ["milk"]


def test_an_item_already_on_the_list_is_said_so(
    matcher: IntentMatcher, shopping: ShoppingList
) -> None:
    shopping.add(["milk", "eggs"])
    assert (
        say(matcher, shopping, "Add Milk to my list.") == "Milk is already on your shopping list."
    )
    assert say(matcher, shopping, "Add some milk and eggs to the list.") == (
        "Milk and eggs are already on your shopping list."
    )
    assert say(matcher, shopping, "Add milk and bread to my shopping list.") == (
        "Added bread to your shopping list. Milk is already on it."
    )
    assert shopping.items() == ["milk", "eggs", "bread"]


@pytest.mark.parametrize(
    "text",
    [
        "What's on my shopping list?",
        "what is on the shopping list",
        "What's on my list?",
        "Read me the shopping list.",
        "Read my shopping list.",
        "What do I need to buy?",
        "What do we need from the store?",
        "What's left on the list?",
        "Is there anything on my shopping list?",
    ],
)
def test_the_list_is_read_however_it_is_asked(
    matcher: IntentMatcher, shopping: ShoppingList, text: str
) -> None:
    assert say(matcher, shopping, text) == "Your shopping list is empty."
    shopping.add(["milk", "eggs", "bread"])
    assert say(matcher, shopping, text) == "Your shopping list has 3 things: milk, eggs and bread."


@pytest.mark.parametrize(
    "text",
    [
        "How many things are on my shopping list?",
        "How many items are on the list?",
        "How many things do I need to buy?",
        "How long is my shopping list?",
    ],
)
def test_the_items_are_counted(matcher: IntentMatcher, shopping: ShoppingList, text: str) -> None:
    assert say(matcher, shopping, text) == "Your shopping list is empty."
    shopping.add(["milk"])
    assert say(matcher, shopping, text) == "Your shopping list has 1 thing."
    shopping.add(["eggs", "bread"])
    assert say(matcher, shopping, text) == "Your shopping list has 3 things."


def test_whether_an_item_is_on_the_list(matcher: IntentMatcher, shopping: ShoppingList) -> None:
    shopping.add(["some milk", "eggs"])
    assert say(matcher, shopping, "Is milk on my shopping list?") == (
        "Yes, some milk is on your shopping list."
    )
    assert say(matcher, shopping, "Is there any bread on my list?") == (
        "Bread isn't on your shopping list."
    )
    assert say(matcher, shopping, "Did I add eggs to the shopping list?") == (
        "Yes, eggs are on your shopping list."
    )
    assert say(matcher, shopping, "Are milk and jam on the list?") == (
        "Some milk is on your shopping list; jam isn't."
    )
    assert shopping.items() == ["some milk", "eggs"]


@pytest.mark.parametrize(
    "text",
    [
        "Remove milk from my shopping list.",
        "Take milk off the list.",
        "Cross milk off my shopping list.",
        "Cross off the milk from my list.",
        "Delete milk from the shopping list.",
        "Check milk off my list.",
    ],
)
def test_an_item_is_removed(matcher: IntentMatcher, shopping: ShoppingList, text: str) -> None:
    shopping.add(["eggs", "Milk"])
    assert say(matcher, shopping, text) == "Removed Milk."
    assert shopping.items() == ["eggs"]
    assert say(matcher, shopping, text) == "Milk isn't on your shopping list."


def test_several_are_removed_and_those_not_on_it_said(
    matcher: IntentMatcher, shopping: ShoppingList
) -> None:
    shopping.add(["milk", "eggs", "bread"])
    assert say(matcher, shopping, "Remove milk, jam and eggs from my list.") == (
        "Removed milk and eggs. Jam isn't on your shopping list."
    )
    assert shopping.items() == ["bread"]


@pytest.mark.parametrize(
    "text",
    [
        "Clear my shopping list.",
        "Empty the shopping list.",
        "Delete everything on my shopping list.",
        "Remove all the items from my list.",
        "Take everything off the list.",
    ],
)
def test_clearing_asks_first_and_acts_only_on_its_act(
    matcher: IntentMatcher, shopping: ShoppingList, text: str
) -> None:
    assert say(matcher, shopping, text) == "Your shopping list is already empty."
    shopping.add(["milk", "eggs", "bread", "jam"])
    asked = answer(matcher, shopping, text)
    assert isinstance(asked, Confirmation)
    assert asked.question == "Clear all 4 items from your shopping list?"
    assert len(shopping.items()) == 4  # asking changes nothing
    assert asked.act() == "Cleared your shopping list."
    assert shopping.items() == []


def test_clearing_one_item_names_it(matcher: IntentMatcher, shopping: ShoppingList) -> None:
    shopping.add(["milk"])
    asked = answer(matcher, shopping, "Clear my shopping list.")
    assert isinstance(asked, Confirmation)
    assert asked.question == "Clear milk from your shopping list?"


def test_the_list_is_cleared_on_a_spoken_yes_only(tmp_path: Path) -> None:
    """Through the intent engine, whose list lies beside the state file."""
    config = fake_config(tmp_path)
    engine = intent_engine(config, say_nothing)
    try:
        match = engine.match("Add milk and eggs to my shopping list.")
        assert match is not None
        assert engine.answer(match).response == "Added milk and eggs to your shopping list."
        assert ShoppingList(config.state_file.shopping_list_file).items() == ["milk", "eggs"]
        assert config.state_file.shopping_list_file == tmp_path / "shopping_list.json"
        clear = engine.match("Clear my shopping list.")
        assert clear is not None
        asked = engine.answer(clear)
        assert asked.response == "Clear all 2 items from your shopping list?"
        assert not asked.done and asked.confirmation is not None
        assert engine.reply(asked, "no") is None
        assert len(engine.context.shopping_list.items()) == 2  # type: ignore[union-attr]
        done = engine.reply(asked, "Yes, clear it.")
        assert done is not None and done.response == "Cleared your shopping list."
        assert ShoppingList(config.state_file.shopping_list_file).items() == []
    finally:
        engine.close()


def test_nothing_is_acted_on_ahead(tmp_path: Path) -> None:
    """Each intent is side-effect free: voiced may call it before the command is confirmed."""
    config = fake_config(tmp_path)
    engine = intent_engine(config, say_nothing)
    try:
        for text in ["Add milk to my list.", "Clear my list.", "What's on my list?"]:
            match = engine.match(text)
            assert match is not None
            engine.ahead(match)
        assert not config.state_file.shopping_list_file.exists()
        add = engine.match("Add milk to my list.")
        assert add is not None
        ahead = engine.ahead(add)
        assert ahead.words == "Added milk to your shopping list." and ahead.acts
    finally:
        engine.close()
    assert plugin().side_effect_free == SHOPPING_INTENTS


@pytest.mark.parametrize(
    "text",
    [
        "Add 5 minutes to the timer and add milk to my shopping list.",
        "Add milk and turn off the kitchen light and add eggs to the list.",
    ],
)
def test_other_commands_heard_inside_an_item_are_refused(
    matcher: IntentMatcher, shopping: ShoppingList, text: str
) -> None:
    with pytest.raises(IntentError, match="more than one command"):
        answer(matcher, shopping, text)
    assert shopping.items() == []


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("Add it to my shopping list.", "I didn't catch what to add."),
        ("Remove that from my list.", "I didn't catch what to take off."),
        (
            "Add " + "very " * 15 + "fine flour to my list.",
            "That's too long for one item on your shopping list.",
        ),
    ],
)
def test_what_is_no_item_is_refused(
    matcher: IntentMatcher, shopping: ShoppingList, text: str, refusal: str
) -> None:
    shopping.add(["milk"])
    with pytest.raises(IntentError) as refused:
        answer(matcher, shopping, text)
    assert str(refused.value) == refusal
    assert shopping.items() == ["milk"]


def test_a_full_list_refuses_more(matcher: IntentMatcher) -> None:
    shopping = ShoppingList()
    shopping.add([f"thing {n}" for n in range(MAX_ITEMS - 1)])
    with pytest.raises(IntentError) as refused:
        answer(matcher, shopping, "Add milk and eggs to my list.")
    assert str(refused.value) == (
        "Your shopping list has room for only 1 more thing, so I added nothing."
    )
    assert say(matcher, shopping, "Add milk to my list.") == "Added milk to your shopping list."
    with pytest.raises(IntentError) as refused:
        answer(matcher, shopping, "Add eggs to my list.")
    assert str(refused.value) == (
        f"Your shopping list is full: it holds {MAX_ITEMS} things. Remove some first."
    )


def test_without_a_list_or_with_a_models_odd_call_it_says_so() -> None:
    handler = plugin().handlers[ADD]
    match = IntentMatch(ADD, {"item": "milk"}, "shopping_list", "")
    with pytest.raises(IntentError, match="no shopping list"):
        handler(match, bare_context())
    odd = IntentMatch(ADD, {"item": ["milk"]}, "shopping_list", "<tool_call>")
    with pytest.raises(IntentError, match="didn't catch what to add"):
        handler(odd, bare_context(shopping_list=ShoppingList()))


@pytest.mark.parametrize(
    "text",
    [
        "I need milk.",
        "I got the milk.",
        "We're out of milk.",
        "Add 5 minutes to the timer.",
        "Take 5 minutes off the timer.",
        "What timers do I have?",
        "List my timers.",
        "Turn on the kitchen light and the bedroom lamp.",
        "Add call mom to my to-do list.",
        "Add this song to my playlist.",
        "What's on TV tonight?",
        "What is the list of planets?",
        "Clear the timer.",
    ],
)
def test_other_texts_are_not_taken(matcher: IntentMatcher, text: str) -> None:
    match = matcher.match(text)
    assert match is None or match.name not in SHOPPING_INTENTS, match


@pytest.mark.parametrize(
    ("text", "intents"),
    [
        (
            "Add milk to my shopping list and turn off the kitchen light.",
            [ADD, "HassTurnOff"],
        ),
        (
            "Turn off the kitchen light and add milk to my shopping list.",
            ["HassTurnOff", ADD],
        ),
        (
            "Set a timer for 5 minutes and add eggs to my list.",
            ["HassStartTimer", ADD],
        ),
    ],
)
def test_an_item_added_among_other_commands(
    matcher: IntentMatcher, text: str, intents: list[str]
) -> None:
    match = matcher.match(text)
    assert match is not None and [part.name for part in match.parts] == intents, match
