"""Built-in plugin: a shopping list kept on the device (voiced/shopping_list.py). The model
answered "add milk to my shopping list" with "I'm sorry, but I can't assist with that." and
"what's on my shopping list" with "I don't have any shopping list."

- HassShoppingListAddItem (Home Assistant's): "add milk to my shopping list", "put eggs on
  the list", "add bread, butter and jam to my shopping list".
- HassShoppingListCompleteItem (Home Assistant's): "remove milk from my shopping list",
  "take eggs off the list", "cross milk off my shopping list".
- HassShoppingListLastItems (Home Assistant's name): "what's on my shopping list", "read me
  the shopping list", "what do I need to buy", "how many things are on my list".
- ShoppingListHasItem, ShoppingListClear (voiced's own): "is milk on my shopping list",
  "clear my shopping list" (asked first: one misheard word would lose the whole list).

"List" alone is the shopping list: voiced keeps no other. Several items are said with
commas and "and"; a few things named with an "and" are one item (ONE_ITEM: "macaroni and
cheese"), anything else is split ("milk and eggs" is two). "I need milk" or "I got the
milk" say too little to change the list on: they reach the model."""

from __future__ import annotations

import re

from voiced.intents import (
    Action,
    Confirmation,
    IntentContext,
    IntentError,
    IntentMatch,
    Plugin,
    ShoppingListControl,
)
from voiced.intents.compound import JOINT
from voiced.intents.ha_sentences import own_sentences
from voiced.shopping_list import MAX_ITEMS, item_key, item_problem, room_left, things
from voiced.words import spoken_list
from voiced.words import words as words_of

ADD = "HassShoppingListAddItem"
REMOVE = "HassShoppingListCompleteItem"
READ = "HassShoppingListLastItems"
HAS = "ShoppingListHasItem"
CLEAR = "ShoppingListClear"

RULES = {
    "shopping_list": "[the|my|our] [shopping|grocery] list",
    "off_list": "(off|from|on|in) <shopping_list>",
    "cross": "(cross|tick|check|scratch|strike|take)",
    "items": "(things|items|stuff)",
    "we": "(i|we)",
}
ITEM = "{shopping_list_item:item}"
SENTENCES: dict[str, list[dict[str, object]]] = {
    ADD: [
        {
            "sentences": [
                f"add {ITEM} (to|on|onto) <shopping_list> [too|as well|also]",
                f"put {ITEM} (on|in|onto) <shopping_list> [too|as well|also]",
                f"(write|jot) [down] {ITEM} (on|in) <shopping_list>",
                f"add to <shopping_list> {ITEM}",
            ]
        }
    ],
    REMOVE: [
        {
            "sentences": [
                f"(remove|delete|erase|drop) {ITEM} <off_list>",
                f"<cross> {ITEM} off <shopping_list>",
                f"<cross> off {ITEM} (from|on|in) <shopping_list>",
                f"complete {ITEM} (on|in|from) <shopping_list>",
            ]
        }
    ],
    READ: [
        {
            "sentences": [
                "(what's|whats|what is) [left] (on|in) <shopping_list>",
                "(what's|whats|what is) (my|our|the) [shopping|grocery] list",
                "what do <we> (need|have) (on|in) <shopping_list>",
                "what do <we> need to (buy|get|pick up)",
                "what do <we> need (from|at) the (store|shop|shops|supermarket|grocery store)",
                "(read|tell) [me] [out] <shopping_list>",
                "(read|tell) me what's (on|in) <shopping_list>",
                "(is there|do <we> have) anything (on|in) <shopping_list>",
            ]
        },
        {
            "sentences": [
                "how many <items> (are|do <we> have|have <we> got|are there) (on|in) "
                "<shopping_list>",
                "how many <items> [are there] (on|in) <shopping_list>",
                "how many <items> do <we> need to (buy|get)",
                "how (long|big) is <shopping_list>",
            ],
            "slots": {"ask": "count"},
        },
    ],
    HAS: [
        {
            "sentences": [
                f"(is|are) [there] {ITEM} [already] (on|in) <shopping_list> [already]",
                f"(do|did) <we> (have|put|add|write) {ITEM} (on|in|to|onto) <shopping_list>",
                f"have <we> (got|put|added|written) {ITEM} (on|in|to|onto) <shopping_list>",
            ]
        }
    ],
    CLEAR: [
        {
            "sentences": [
                "(clear|empty|wipe|erase|reset) [out] <shopping_list>",
                "(clear|delete|remove|erase|wipe|<cross>) (everything|all [of] [the] <items>) "
                "<off_list>",
                "(clear|empty) [out] (everything|all [of] [the] <items>) (on|in|from) "
                "<shopping_list>",
            ]
        }
    ],
}
LISTS = {"shopping_list_item": {"wildcard": True}}

# Things named with an "and" that are one item: anything else is split at its "and".
ONE_ITEM = (
    "macaroni and cheese", "mac and cheese", "half and half", "salt and vinegar",
    "sweet and sour", "cookies and cream", "pork and beans", "bread and butter pickles",
)  # fmt: skip
# Between two items: a comma (with or without an "and" after it), "and", "&".
BETWEEN_ITEMS = re.compile(r"\s*[,;]\s*(?:(?:and|&)\s+)?|\s+(?:and|&|plus)\s+", re.IGNORECASE)
# Stands for the "and" of a ONE_ITEM while the words are split.
KEPT_AND = "\x00"
# Words before an item that are no part of it: "the milk", "also eggs".
NOT_OF_ITEM = frozenset({"the", "my", "our", "any", "also", "then", "and"})
# What no item is: words that point at something said before.
NO_ITEM = frozenset({"it", "that", "this", "them", "those", "these", "something", "everything"})
# The list's own words after an item, as a command said again within one leaves them:
# "milk to my shopping list" of "add milk to my shopping list and add eggs to ...".
LIST_WORDS = re.compile(
    r"\s+(?:to|on|onto|in|off|from)\s+(?:(?:the|my|our)\s+)?(?:(?:shopping|grocery)\s+)?list$",
    re.IGNORECASE,
)
# What is said of a thing's place, which an item is not: "5 minutes to the timer".
PLACE = re.compile(r"\b(?:to|on|onto|off|from|in)\s+(?:the|my|our|your)\b", re.IGNORECASE)
SEVERAL_COMMANDS = "That sounds like more than one command: say them one at a time, please."
# The verbs each intent's items may be said again with: "add milk and add eggs".
OWN_VERBS = {
    ADD: ("add", "put"),
    REMOVE: ("remove", "delete", "take", "cross", "tick", "check"),
    HAS: (),
}


def plugin() -> Plugin:
    return Plugin(
        name="shopping_list",
        description="a shopping list kept on the device: add, read, remove, clear",
        sentences=own_sentences(
            {name: {"data": data} for name, data in SENTENCES.items()}, LISTS, RULES
        ),
        handlers={ADD: add, REMOVE: remove, READ: read, HAS: has, CLEAR: clear},
        # Reading, an Action or a Confirmation: nothing changes until voiced acts.
        side_effect_free=frozenset({ADD, REMOVE, READ, HAS, CLEAR}),
    )


def add(match: IntentMatch, context: IntentContext) -> Action | str:
    shopping_list = list_of(context)
    wanted = items_said(match, "add")
    for item in wanted:
        if (problem := item_problem(item)) is not None:
            raise IntentError(problem)
    held = shopping_list.items()
    already, new = looked_up(held, wanted)
    if not new:
        return f"{they_are(already)} already on your shopping list."
    if len(held) + len(new) > MAX_ITEMS:
        raise IntentError(room_left(len(held)))
    said = f"Added {spoken_list(new)} to your shopping list."
    if already:
        said += f" {they_are(already)} already on it."

    def act() -> None:
        shopping_list.add(new)

    def take_back() -> None:
        shopping_list.remove(new)

    return Action(said, act, undo=Action(f"Took {spoken_list(new)} off your list.", take_back))


def remove(match: IntentMatch, context: IntentContext) -> Action | str:
    shopping_list = list_of(context)
    found, missing = looked_up(shopping_list.items(), items_said(match, "take off"))
    not_on = f"{they_are(missing)}n't on your shopping list." if missing else ""
    if not found:
        return not_on
    said = " ".join(filter(None, [f"Removed {spoken_list(found)}.", not_on]))

    def act() -> None:
        shopping_list.remove(found)

    def put_back() -> None:
        shopping_list.add(found)

    return Action(said, act, undo=Action(f"Put {spoken_list(found)} back on your list.", put_back))


def has(match: IntentMatch, context: IntentContext) -> str:
    found, missing = looked_up(list_of(context).items(), items_said(match, "look for"))
    if not missing:
        return f"Yes, {spoken_list(found)} {is_are(found)} on your shopping list."
    if not found:
        return f"{they_are(missing)}n't on your shopping list."
    return f"{they_are(found)} on your shopping list; {spoken_list(missing)} {is_are(missing)}n't."


def read(match: IntentMatch, context: IntentContext) -> str:
    items = list_of(context).items()
    if not items:
        return "Your shopping list is empty."
    count = f"Your shopping list has {len(items)} {things(len(items))}"
    if match.slots.get("ask") == "count":
        return f"{count}."
    return f"{count}: {spoken_list(items)}."


def clear(match: IntentMatch, context: IntentContext) -> Confirmation | str:
    shopping_list = list_of(context)
    items = shopping_list.items()
    if not items:
        return "Your shopping list is already empty."
    what = items[0] if len(items) == 1 else f"all {len(items)} items"

    def act() -> str:
        shopping_list.clear()
        return "Cleared your shopping list."

    return Confirmation(f"Clear {what} from your shopping list?", act)


def list_of(context: IntentContext) -> ShoppingListControl:
    if context.shopping_list is None:
        raise IntentError("I have no shopping list here.")
    return context.shopping_list


def items_said(match: IntentMatch, doing: str) -> list[str]:
    """The items the words name, in order: split at commas and "and" but for ONE_ITEM's,
    each without the words before it that are no part of it."""
    text = match.slots.get("item")
    if not isinstance(text, str):  # a model's tool call may give anything
        raise IntentError(f"I didn't catch what to {doing}.")
    verbs = OWN_VERBS.get(match.name, ())
    segments = JOINT.split(as_written(text, match.text))
    if len(segments) > 1:
        # "add milk to my list and add eggs to my list", heard as one: every command after
        # the first must be this one again ("and turn off the light" is not), and none may
        # say of another place ("5 minutes to the timer and add milk").
        for segment in segments[1:]:
            if not starts_with(segment, verbs):
                raise IntentError(SEVERAL_COMMANDS)
        if any(PLACE.search(LIST_WORDS.sub("", segment.strip(" .,!?"))) for segment in segments):
            raise IntentError(SEVERAL_COMMANDS)
    items = []
    for segment in segments:
        for piece in BETWEEN_ITEMS.split(kept_whole(segment)):
            item = cleaned(piece.replace(KEPT_AND, " and "), verbs)
            if item:
                items.append(item)
    if not items or any(words_of(item) and set(words_of(item)) <= NO_ITEM for item in items):
        raise IntentError(f"I didn't catch what to {doing}.")
    return items


def as_written(item: str, text: str) -> str:
    """The words of `item` as `text` has them: hassil drops the commas from a wildcard's
    words ("bread, butter and jam" is "bread butter and jam"), and they part the items."""
    between_words = r"[\s,;:]+"
    pattern = between_words.join(re.escape(word) for word in item.split())
    found = re.search(rf"(?<!\w){pattern}(?!\w)", text, re.IGNORECASE) if pattern else None
    return found.group(0) if found else item


def kept_whole(text: str) -> str:
    """`text` with the "and" of each ONE_ITEM in it out of BETWEEN_ITEMS' way."""
    for phrase in ONE_ITEM:
        pattern = r"\b" + r"\s+".join(map(re.escape, phrase.split())) + r"\b"
        text = re.sub(
            pattern,
            lambda found: re.sub(r"\s+and\s+", KEPT_AND, found.group(0)),
            text,
            flags=re.IGNORECASE,
        )
    return text


def cleaned(piece: str, verbs: tuple[str, ...]) -> str:
    """An item as said, without punctuation around it, a verb said again ("add eggs"), and
    the words before it that are no part of it ("the milk")."""
    words = LIST_WORDS.sub("", piece.strip(' .,;:!?"')).split()
    if words and words[0].lower() in verbs:
        words = words[1:]
    while len(words) > 1 and words[0].lower() in NOT_OF_ITEM:
        words = words[1:]
    return " ".join(words)


def starts_with(text: str, verbs: tuple[str, ...]) -> bool:
    said = words_of(text)
    return bool(said) and said[0] in verbs


def looked_up(held: list[str], wanted: list[str]) -> tuple[list[str], list[str]]:
    """(the items of `wanted` the list holds, as it holds them; the others, as said), each
    once."""
    held_by_key = {item_key(item): item for item in held}
    found: dict[tuple[str, ...], str] = {}
    missing: dict[tuple[str, ...], str] = {}
    for item in wanted:
        key = item_key(item)
        if key in held_by_key:
            found.setdefault(key, held_by_key[key])
        else:
            missing.setdefault(key, item)
    return list(found.values()), list(missing.values())


def they_are(items: list[str]) -> str:
    """ "Milk is", "Milk and eggs are"."""
    return f"{capitalized(spoken_list(items))} {is_are(items)}"


def is_are(items: list[str]) -> str:
    """ "are" for several items, or one said in the plural ("eggs are", "milk is")."""
    if len(items) != 1:
        return "are"
    last = items[0].split()[-1].lower() if items[0].split() else ""
    plural = last.endswith("s") and not last.endswith(("ss", "us", "is"))
    return "are" if plural else "is"


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]
