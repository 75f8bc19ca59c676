"""The timer intents as a person says them, answered by the timers plugin without the LLM:
how much time is left, pause and resume, add and take time; on real timers run by a clock
the test moves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fakes import kept_in, say_nothing, spoken
from tests.helpers import repeatable_config
from voiced.config import Config
from voiced.intents import Action, Choice, Confirmation, IntentContext, IntentError
from voiced.intents.engine import Ahead, IntentEngine
from voiced.intents.matcher import IntentMatcher
from voiced.intents.registry import load_registry
from voiced.intents.tools import ToolGate
from voiced.timers import Timers

# What voiced says to a sentence (and, given, the intent it must be heard as).
Ask = Callable[..., str]


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher(load_registry(), Config().devices)


@pytest.fixture
def monotonic() -> FakeClock:
    return FakeClock(1000.0)


@pytest.fixture
def announced() -> list[str]:
    return []


@pytest.fixture
def timers(monotonic: FakeClock, announced: list[str]) -> Iterator[Timers]:
    running = Timers(kept_in(announced), monotonic=monotonic, max_timers=4)
    yield running
    running.close()


@pytest.fixture
def ask(matcher: IntentMatcher, timers: Timers) -> Ask:
    devices = Config().devices
    context = IntentContext(
        devices=None,  # type: ignore[arg-type]  # timers only
        device_names={d.id: d.name for d in devices},
        device_kinds={d.id: d.kind for d in devices},
        device_areas={d.id: d.area for d in devices},
        timers=timers,
    )

    def ask(text: str, intent: str | None = None) -> str:
        """What voiced says to `text`, acting as the engine does."""
        match = matcher.match(text)
        assert match is not None, text
        if intent is not None:
            assert match.name == intent, (text, match)
        _plugin, handler = matcher.registry.handler(match.name) or (None, None)
        assert handler is not None
        return spoken(handler, match, context)

    return ask


# Near the timer sentences, but questions for the model.
NOT_TIMER_COMMANDS = [
    "How long is a minute?",
    "What is a timer?",
    "What is half an hour?",
    "Add salt to the pasta.",
    "How long does pasta take?",
    "How long do I boil an egg?",
    "Take a minute to relax.",
    "How long is left of the year?",
    "How much time is left in the game?",
    "How long have I got to live?",
    "What's left to do?",
    "How long until the end of the world?",
    "What timers are best for boiling eggs?",
    "How many timers can I set?",
    "Are there any timers in a microwave?",
]


@pytest.mark.parametrize("text", NOT_TIMER_COMMANDS)
def test_questions_near_the_timer_sentences_are_left_to_the_model(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.match(text) is None


def test_with_no_timer_each_intent_says_so(ask: Ask) -> None:
    for text in (
        "How much time is left?",
        "Pause the timer.",
        "Resume the timer.",
        "Add two minutes to the timer.",
        "Take a minute off the timer.",
    ):
        assert ask(text) == "There is no timer running.", text


def test_status_pause_resume_add_and_take(
    ask: Ask, timers: Timers, monotonic: FakeClock, announced: list[str]
) -> None:
    say = ask
    assert say("Set a timer for five minutes.") == "Timer set for 5 minutes."
    monotonic.now += 30
    assert say("How much time is left on my timer?", "HassTimerStatus") == (
        "Your timer for 5 minutes has 4 minutes and 30 seconds left."
    )
    assert say("how much time is left", "HassTimerStatus") == (
        "Your timer for 5 minutes has 4 minutes and 30 seconds left."
    )
    assert say("Pause the timer.", "HassPauseTimer") == (
        "Paused the timer for 5 minutes, with 4 minutes and 30 seconds left."
    )
    monotonic.now += 600  # paused: nothing moves
    assert say("how long is left on the timer") == (
        "Your timer for 5 minutes is paused, with 4 minutes and 30 seconds left."
    )
    assert say("pause my timer") == "Your timer for 5 minutes is already paused."
    assert say("Resume the timer.", "HassUnpauseTimer") == (
        "Resumed the timer for 5 minutes, with 4 minutes and 30 seconds left."
    )
    assert say("unpause the timer") == "Your timer for 5 minutes is not paused."
    # "Pause" and "resume" alone: the timer is all there is to pause.
    assert say("Pause.", "HassPauseTimer") == (
        "Paused the timer for 5 minutes, with 4 minutes and 30 seconds left."
    )
    assert say("Resume.", "HassUnpauseTimer") == (
        "Resumed the timer for 5 minutes, with 4 minutes and 30 seconds left."
    )
    monotonic.now += 10
    assert say("Add two minutes to the timer.", "HassIncreaseTimer") == (
        "Added 2 minutes to the timer for 5 minutes: 6 minutes and 20 seconds left."
    )
    assert say("Take a minute off the timer.", "HassDecreaseTimer") == (
        "Took 1 minute off the timer for 5 minutes: 5 minutes and 20 seconds left."
    )
    [state] = timers.timers()
    assert state.left_seconds == 320 and not state.paused
    assert announced == []


@pytest.mark.parametrize(
    "text, answer",
    [
        ("add 30 seconds", "Added 30 seconds to the timer for 5 minutes: 5 minutes and 30 seconds"),
        ("add 5 minutes", "Added 5 minutes to the timer for 5 minutes: 10 minutes"),
        ("add a minute", "Added 1 minute to the timer for 5 minutes: 6 minutes"),
        ("add another minute", "Added 1 minute to the timer for 5 minutes: 6 minutes"),
        ("add 5 more minutes", "Added 5 minutes to the timer for 5 minutes: 10 minutes"),
        ("add two more minutes to my timer", "Added 2 minutes to the timer for 5 minutes: 7"),
        ("add another 30 seconds to the timer", "Added 30 seconds to the timer for 5 minutes: 5"),
        ("add a minute and a half to the timer", "Added 1 minute and 30 seconds to the timer"),
        ("add 2.5 minutes to the timer", "Added 2 minutes and 30 seconds to the timer"),
        ("add half an hour", "Added 30 minutes to the timer for 5 minutes: 35 minutes"),
        ("extend the timer by 5 minutes", "Added 5 minutes to the timer for 5 minutes: 10"),
        ("take a minute off", "Took 1 minute off the timer for 5 minutes: 4 minutes"),
        ("take 30 seconds off the timer", "Took 30 seconds off the timer for 5 minutes: 4 minutes"),
        ("knock 2 minutes off", "Took 2 minutes off the timer for 5 minutes: 3 minutes"),
        ("shorten the timer by a minute", "Took 1 minute off the timer for 5 minutes: 4 minutes"),
    ],
)
def test_time_is_added_and_taken_as_people_say_it(
    ask: Ask, timers: Timers, text: str, answer: str
) -> None:
    timers.start(300)
    assert ask(text).startswith(answer), text


@pytest.mark.parametrize(
    "text",
    [
        "How much time's left?",
        "how long do I have left",
        "how long have I got left",
        "what's left on the timer",
        "how much time is remaining on my timer",
        "how much longer on the timer",
        "how long until the timer goes off",
        "how much time is on the timer",
        "check the timer",
        "check on the pasta timer",
        # Not a device called "timer": the timer sentence has more literal words.
        "Is the timer still running?",
        # The timers asked about together.
        "What timers are running?",
        "What timers do I have?",
        "Which timers are set?",
        "How many timers are running?",
        "Do I have any timers?",
        "Have I got any timers running?",
        "Are there any timers?",
        "Any timers?",
        "List my timers.",
        "Tell me my timers.",
    ],
)
def test_the_time_left_is_asked_as_people_ask_it(ask: Ask, timers: Timers, text: str) -> None:
    assert ask(text, "HassTimerStatus") == "There is no timer running."
    timers.start(300)
    assert ask(text, "HassTimerStatus") == "Your timer for 5 minutes has 5 minutes left."


def test_taking_more_than_is_left_ends_the_timer_without_an_announcement(
    ask: Ask, timers: Timers, announced: list[str]
) -> None:
    ask("Set a timer for ninety seconds.")
    assert ask("take 2 minutes off the timer") == (
        "Took 2 minutes off the timer for 1 minute and 30 seconds, which ends it."
    )
    assert timers.timers() == [] and announced == []


def test_the_timer_is_the_newest_unless_a_duration_names_it(
    ask: Ask, timers: Timers, monotonic: FakeClock
) -> None:
    ask("Set a timer for ten minutes.")
    ask("Set a timer for five minutes.")
    monotonic.now += 60
    assert ask("pause the timer") == ("Paused the timer for 5 minutes, with 4 minutes left.")
    assert ask("add 3 minutes to the 10 minute timer") == (
        "Added 3 minutes to the timer for 10 minutes: 12 minutes left."
    )
    assert ask("pause the 3 minute timer") == "There is no timer for 3 minutes."
    assert ask("How much time is left?") == (
        "You have 2 timers. The timer for 10 minutes has 12 minutes left. "
        "The timer for 5 minutes is paused, with 4 minutes left."
    )
    assert ask("how much time is left on the 10 minute timer") == (
        "Your timer for 10 minutes has 12 minutes left."
    )
    # Resuming takes the newest paused timer, though a newer one runs.
    ask("Set a timer for an hour.")
    assert ask("resume the timer").startswith("Resumed the timer for 5 minutes")


def test_cancelling_takes_the_timer_the_words_name(ask: Ask, timers: Timers) -> None:
    ask("Set a timer for five minutes.")
    ask("Set a timer for ten minutes.")
    assert ask("cancel the 5 minute timer", "HassCancelTimer") == (
        "Cancelled the timer for 5 minutes."
    )
    assert timers.running() == ["10 minutes"]
    assert ask("cancel the timer for 3 minutes") == "There is no timer for 3 minutes."
    assert timers.running() == ["10 minutes"]
    ask("Set a timer for an hour.")
    assert ask("cancel the timer") == "Cancelled the timer for 1 hour."  # the newest
    assert ask("cancel the timer") == "Cancelled the timer for 10 minutes."
    assert ask("cancel the timer") == "There is no timer running."


@pytest.mark.parametrize(
    "started, said, cancelled",
    [
        ("for 2.5 minutes", "cancel the 2.5 minute timer", "2 minutes and 30 seconds"),
        ("for an hour", "cancel the hour timer", "1 hour"),
        ("for an hour", "cancel the timer for an hour", "1 hour"),
        ("for half an hour", "cancel the half an hour timer", "30 minutes"),
        ("for half an hour", "stop the half hour timer", "30 minutes"),
        ("for ninety seconds", "cancel the 90 second timer", "1 minute and 30 seconds"),
        (
            "for a minute and a half",
            "cancel the minute and a half timer",
            "1 minute and 30 seconds",
        ),
        ("for 1.5 hours", "cancel the hour and a half timer", "1 hour and 30 minutes"),
        # The timer's time as voiced says it back, and compound durations.
        (
            "for 1 hour and 30 minutes",
            "cancel the 1 hour and 30 minute timer",
            "1 hour and 30 minutes",
        ),
        (
            "for 2 minutes and 30 seconds",
            "cancel the 2 minutes and 30 seconds timer",
            "2 minutes and 30 seconds",
        ),
        ("for 2.5 minutes", "cancel the two and a half minute timer", "2 minutes and 30 seconds"),
        ("for 90 minutes", "stop the timer for an hour and a half", "1 hour and 30 minutes"),
        ("for 1:30:00", "cancel the 1:30 hour timer", "1 hour and 30 minutes"),
        ("for 1:30 minutes", "cancel the 90 second timer", "1 minute and 30 seconds"),
    ],
)
def test_a_duration_in_any_form_a_timer_starts_with_names_the_timer_cancelled(
    ask: Ask, timers: Timers, started: str, said: str, cancelled: str
) -> None:
    ask("Set a timer for ten minutes.")
    assert ask(f"set a timer {started}") == f"Timer set for {cancelled}."
    assert ask(said, "HassCancelTimer") == f"Cancelled the timer for {cancelled}."
    assert timers.running() == ["10 minutes"]


@pytest.mark.parametrize(
    "said, answer",
    [
        ("cancel the 2.5 minute timer", "There is no timer for 2 minutes and 30 seconds."),
        ("cancel the hour timer", "There is no timer for 1 hour."),
        ("cancel the half an hour timer", "There is no timer for 30 minutes."),
        ("pause the 2.5 minute timer", "There is no timer for 2 minutes and 30 seconds."),
        ("cancel the two and a half minute timer", "There is no timer for 2 minutes and 30"),
        ("pause the 1 hour 30 minute timer", "There is no timer for 1 hour and 30 minutes."),
        # Durations no sentence reads are no timer's name either.
        ("cancel the 5 minute and the 10 minute timer", "I can't tell which timer that is."),
        # A clock's form may be 1 hour 30 or 1 minute 30: no timer's name either.
        ("cancel the 1:30 timer", "I can't tell which timer that is."),
        ("pause the 130 timer", "I can't tell which timer that is."),
    ],
)
def test_a_duration_no_timer_has_changes_nothing(
    ask: Ask, timers: Timers, said: str, answer: str
) -> None:
    ask("Set a timer for ten minutes.")
    assert ask(said).startswith(answer)
    [timer] = timers.timers()
    assert (timer.description, timer.paused) == ("10 minutes", False)


def test_cancelling_all_timers_cancels_every_one(ask: Ask, timers: Timers) -> None:
    assert ask("cancel all timers", "HassCancelAllTimers") == "There is no timer running."
    ask("Set a timer for five minutes.")
    assert ask("stop all the timers") == "Cancelled the timer for 5 minutes."
    ask("Set a timer for five minutes.")
    ask("Set a timer for an hour.")
    timers.pause(timers.timers()[0].timer_id)
    assert ask("Cancel all my timers.") == "Cancelled all 2 timers."
    assert timers.timers() == []


@pytest.mark.parametrize(
    "text",
    [
        "turn off the timer",
        "turn the timer off",
        "switch off the timer",
        "stop the timer",
        "delete the timer",
        "remove the timer",
        "clear the timer",
        "turn off the 5 minute timer",
        "turn the pasta timer off",
    ],
)
def test_a_timer_is_cancelled_as_people_say_it(ask: Ask, timers: Timers, text: str) -> None:
    # Not a device called "timer": the timer sentence has more literal words.
    assert ask(text, "HassCancelTimer").startswith("There is no timer")
    timers.start(300)
    assert ask(text, "HassCancelTimer") == "Cancelled the timer for 5 minutes."
    assert timers.timers() == []


@pytest.mark.parametrize(
    "text",
    ["cancel my timers", "cancel both timers", "turn off all the timers", "delete every timer"],
)
def test_every_timer_is_cancelled_as_people_say_it(ask: Ask, timers: Timers, text: str) -> None:
    timers.start(300)
    timers.start(600)
    assert ask(text, "HassCancelAllTimers") == "Cancelled all 2 timers."
    assert timers.timers() == []


def test_every_timer_is_paused_and_resumed_at_once(ask: Ask, timers: Timers) -> None:
    for seconds in (300, 600, 900):
        timers.start(seconds)
    timers.pause(timers.timers()[0].timer_id)
    assert ask("pause all timers", "HassPauseTimer") == "Paused 2 timers."
    assert [timer.paused for timer in timers.timers()] == [True, True, True]
    assert ask("pause both timers") == "Your 3 timers are all already paused."
    assert ask("resume all the timers", "HassUnpauseTimer") == "Resumed 3 timers."
    assert [timer.paused for timer in timers.timers()] == [False, False, False]
    # With one to change, the answer names it, as for one timer.
    timers.pause(timers.timers()[1].timer_id)
    assert ask("resume my timers") == "Resumed the timer for 10 minutes, with 10 minutes left."


@pytest.mark.parametrize(
    "text", ["stop the timer for a moment", "stop the timer for now", "hold the timer for a bit"]
)
def test_stopping_a_timer_for_a_while_pauses_it(ask: Ask, timers: Timers, text: str) -> None:
    timers.start(300)
    assert ask(text, "HassPauseTimer") == "Paused the timer for 5 minutes, with 5 minutes left."
    [timer] = timers.timers()
    assert timer.paused


def test_a_while_is_no_timer_name_to_cancel_by(ask: Ask, timers: Timers) -> None:
    timers.start(300)
    assert ask("cancel the timer for a while").startswith("I can't tell which timer that is.")
    assert timers.running() == ["5 minutes"]


@pytest.mark.parametrize(
    "text, said",
    [
        ("set a timer for an hour and fifteen minutes", "1 hour and 15 minutes"),
        ("set a timer for an hour and 30 minutes", "1 hour and 30 minutes"),
        ("set a timer for a minute and 30 seconds", "1 minute and 30 seconds"),
        # Minutes after hours, seconds after minutes, said without their unit.
        ("set a timer for 1 hour 20", "1 hour and 20 minutes"),
        ("timer for one hour twenty", "1 hour and 20 minutes"),
        ("set a timer for a minute thirty", "1 minute and 30 seconds"),
        # Beyond Home Assistant's 100.
        ("set a timer for 120 minutes", "2 hours"),
        ("set a timer for 150 seconds", "2 minutes and 30 seconds"),
        ("set a timer for two hundred minutes", "3 hours and 20 minutes"),
        ("set a timer for one hundred and twenty minutes", "2 hours"),
        # Parts of an hour and of a minute.
        ("set a timer for a quarter of an hour", "15 minutes"),
        ("set a timer for three quarters of an hour", "45 minutes"),
        ("set a timer for an hour and a quarter", "1 hour and 15 minutes"),
        ("set a timer for 2 hours and a half", "2 hours and 30 minutes"),
        ("set a timer for two and a half hours", "2 hours and 30 minutes"),
        ("set a timer for half a minute", "30 seconds"),
        ("set a timer for 0.5 hours", "30 minutes"),
        # Short words, and no "for".
        ("set a timer 10 minutes", "10 minutes"),
        ("set a timer for 5 mins", "5 minutes"),
        ("set a timer for 10 secs", "10 seconds"),
        ("set a timer for 2 hrs", "2 hours"),
        ("set an hour timer", "1 hour"),
        ("set a half an hour timer", "30 minutes"),
        ("a 90 second timer", "1 minute and 30 seconds"),
    ],
)
def test_durations_as_people_say_them_start_a_timer(
    ask: Ask, timers: Timers, text: str, said: str
) -> None:
    assert ask(text, "HassStartTimer") == f"Timer set for {said}."
    [timer] = timers.timers()
    assert timer.description == said


@pytest.mark.parametrize("text", ["set a timer for 0 minutes", "set a timer for zero seconds"])
def test_a_timer_for_no_time_is_refused_by_the_timers(ask: Ask, timers: Timers, text: str) -> None:
    assert ask(text, "HassStartTimer") == "That is no time at all: no timer set."
    assert timers.timers() == []


@pytest.mark.parametrize(
    "text, said",
    [
        ("set a timer for 2.5 minutes", "Timer set for 2 minutes and 30 seconds."),
        ("Set a 2.5 minute timer.", "Timer set for 2 minutes and 30 seconds."),
        ("set a timer for 2.5 hours", "Timer set for 2 hours and 30 minutes."),
        ("set a timer for 1.2 minutes", "Timer set for 1 minute and 12 seconds."),
        # Any one or two decimals, as Whisper writes "one point two five".
        ("Set a timer for 1.25 hours.", "Timer set for 1 hour and 15 minutes."),
        ("a timer for 2.5 minutes", "Timer set for 2 minutes and 30 seconds."),
        ("set a timer for 0.75 hours", "Timer set for 45 minutes."),
        ("set a timer for 1.75 minutes", "Timer set for 1 minute and 45 seconds."),
        ("set a timer for 1.05 hours", "Timer set for 1 hour and 3 minutes."),
        ("set a timer for 150.5 minutes", "Timer set for 2 hours, 30 minutes and 30 seconds."),
        ("set a 1.25 hour timer", "Timer set for 1 hour and 15 minutes."),
        # A timer runs whole seconds: 2.33 minutes is 139.8 seconds.
        ("set a timer for 2.33 minutes", "Timer set for 2 minutes and 20 seconds."),
    ],
)
def test_durations_written_with_a_decimal_point_start_a_timer(
    ask: Ask, timers: Timers, text: str, said: str
) -> None:
    assert ask(text, "HassStartTimer") == said
    [timer] = timers.timers()
    assert f"Timer set for {timer.description}." == said


@pytest.mark.parametrize(
    "text, said",
    [
        # Whisper writes "one thirty" as "1:30": three parts are hours, minutes and
        # seconds; of two, the unit after them says which.
        ("Set a timer for 1:30:00.", "1 hour and 30 minutes"),
        ("set a timer for 0:01:30", "1 minute and 30 seconds"),
        ("set a timer for 2:05:30", "2 hours, 5 minutes and 30 seconds"),
        ("set a timer for 1:30 hours", "1 hour and 30 minutes"),
        ("set a timer for 1:30 minutes", "1 minute and 30 seconds"),
        ("set a 1:30 minute timer", "1 minute and 30 seconds"),
        # Said as people say it, it is no clock.
        ("set a timer for 1 minute 30", "1 minute and 30 seconds"),
        ("set a timer for one and a half minutes", "1 minute and 30 seconds"),
    ],
)
def test_a_duration_written_as_a_clock_with_its_unit_starts_a_timer(
    ask: Ask, timers: Timers, text: str, said: str
) -> None:
    assert ask(text, "HassStartTimer") == f"Timer set for {said}."
    assert timers.running() == [said]


@pytest.mark.parametrize(
    "text, intent",
    [
        ("what is 1.25 times 4", "Arithmetic"),
        ("what is 1.30 times 2", "Arithmetic"),
        ("What time is it?", "HassGetCurrentTime"),
    ],
)
def test_numbers_of_a_sum_or_the_time_are_no_timer(
    matcher: IntentMatcher, text: str, intent: str
) -> None:
    match = matcher.match(text)
    assert match is not None and match.name == intent


@pytest.mark.parametrize(
    "text",
    [
        "what is 1:30 in minutes",
        "what is one thirty in minutes",
        "what is 1:30 hours in minutes",
        "set a timer for 1:30 pm",
        "is it 1:30 yet",
        "what is 130",
        # A number without "for" may be no duration ("start timer 2").
        "start timer 2",
        # Nor one added or taken without the timer named.
        "add 1:30",
        "add 5",
        "take 1:30 off",
    ],
)
def test_a_clock_that_starts_no_timer_is_left_to_the_model(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.match(text) is None


@pytest.mark.parametrize(
    "text, said",
    [
        ("set a timer for 0.0 minutes", "That is no time at all: no timer set."),
        ("set a timer for 0.4 seconds", "That is no time at all: no timer set."),
        ("set a timer for 999.99 hours", "A timer can run for at most a week."),
    ],
)
def test_a_decimal_duration_that_is_no_timer_is_refused(
    ask: Ask, timers: Timers, text: str, said: str
) -> None:
    assert ask(text, "HassStartTimer") == said
    assert timers.timers() == []


@pytest.mark.parametrize(
    "text",
    [
        # "1,000" is a thousand, never 1.0 (a decimal comma), and above what is read.
        "set a timer for 1,000 minutes",
        # Three decimals are not read: never as two.
        "set a timer for 1.333 hours",
        "set a timer for 1.333",
        "how long is 1.5 hours",
        "is 2.5 minutes enough",
    ],
)
def test_decimals_not_read_as_a_timer_are_left_to_the_model(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.match(text) is None


@pytest.mark.parametrize(
    "text, said",
    [
        ("Set a timer for .5 hours.", "Timer set for 30 minutes."),
        ("set a timer for .5 minutes", "Timer set for 30 seconds."),
        ("set a .5 hour timer", "Timer set for 30 minutes."),
        ("set a timer for 1 hour and .5 minutes", "Timer set for 1 hour and 30 seconds."),
    ],
)
def test_a_number_written_from_its_point_is_read_with_it(
    ask: Ask, timers: Timers, text: str, said: str
) -> None:
    """Whisper writes "point five" as ".5"; hassil drops the point, which made it 5."""
    assert ask(text, "HassStartTimer") == said
    assert len(timers.timers()) == 1


def test_a_timer_named_by_a_number_written_from_its_point_is_not_the_whole_one(
    ask: Ask, timers: Timers
) -> None:
    ask("set a timer for 5 minutes")
    assert ask("cancel the .5 minute timer") == "There is no timer for 30 seconds."
    assert timers.running() == ["5 minutes"]
    # Each number as it is written: the half minute added, the 5 minute timer named.
    assert ask("add .5 minutes to the 5 minute timer").startswith(
        "Added 30 seconds to the timer for 5 minutes"
    )


@pytest.mark.parametrize(
    "text, said",
    [
        ("Set a timer for 20 minutes in the kitchen.", "20 minutes"),
        ("Start a 5 minute timer in the living room.", "5 minutes"),
        ("set a timer in the kitchen for 20 minutes", "20 minutes"),
        ("a 10 minute timer in the bedroom please", "10 minutes"),
        ("set a timer for 1.25 hours in the kitchen", "1 hour and 15 minutes"),
    ],
)
def test_a_timer_said_to_be_in_a_room_rings_here(
    ask: Ask, timers: Timers, text: str, said: str
) -> None:
    """voiced has one speaker: the timer starts, and the answer says where it rings."""
    assert ask(text, "HassStartTimer") == f"Timer set for {said}. It will ring here."
    assert timers.running() == [said]


def test_a_named_timer_said_to_be_in_a_room_rings_here(ask: Ask, timers: Timers) -> None:
    assert ask("set a pasta timer for 10 minutes in the garden", "HassStartTimer") == (
        "Pasta timer set for 10 minutes. It will ring here."
    )
    assert [(t.name, t.description) for t in timers.timers()] == [("pasta", "10 minutes")]


def test_a_configured_area_is_a_place_for_a_timer() -> None:
    devices = [{"id": "saw", "name": "saw", "area": "workshop", "kind": "switch"}]
    matcher = IntentMatcher(load_registry(), repeatable_config(devices=devices).devices)
    match = matcher.match("set a timer for 5 minutes in the workshop")
    assert match is not None
    assert (match.name, match.slots) == ("HassStartTimer", {"minutes": 5, "area": "workshop"})


@pytest.mark.parametrize(
    "text",
    [
        # Only a place after the duration: anything else is more than a timer (another
        # command after it is one of several: tests/test_compound.py).
        "set a timer for 20 minutes in the morning",
        "set a timer for 20 minutes in an hour",
        "set a timer for 20 minutes in the oven",
        "set a timer for 20 minutes on the stove",
    ],
)
def test_words_after_a_timer_that_name_no_place_are_left_to_the_model(
    matcher: IntentMatcher, text: str
) -> None:
    assert matcher.match(text) is None


@pytest.mark.parametrize(
    "text, said, name",
    [
        ("set a pasta timer for 10 minutes", "Pasta timer set for 10 minutes.", "pasta"),
        ("set a pasta timer for an hour and a half", "Pasta timer set for 1 hour and 30", "pasta"),
        ("set a pasta timer for a minute", "Pasta timer set for 1 minute.", "pasta"),
        ("set a pasta timer for half an hour", "Pasta timer set for 30 minutes.", "pasta"),
        ("set an egg timer for 1 hour 20", "Egg timer set for 1 hour and 20 minutes.", "egg"),
        ("set a 10 minute pasta timer", "Pasta timer set for 10 minutes.", "pasta"),
        ("set a 5 minute timer for the eggs", "Eggs timer set for 5 minutes.", "eggs"),
        ("set a timer for 5 minutes for the eggs", "Eggs timer set for 5 minutes.", "eggs"),
        ("set a timer called rice for 2.5 minutes", "Rice timer set for 2 minutes and 30", "rice"),
        ("set a timer for 10 minutes called Pasta", "Pasta timer set for 10 minutes.", "pasta"),
        ("set my Sunday roast timer for 2 hours", "Sunday roast timer set for 2", "sunday roast"),
        ("set a timer called egg timer for 5 minutes", "Egg timer set for 5 minutes.", "egg"),
        ("set a kitchen timer for 10 minutes", "Kitchen timer set for 10 minutes.", "kitchen"),
        # Words of time are how long, not what for; and a sentence is no name.
        ("set a timer for 5 minutes for a while", "Timer set for 5 minutes.", None),
        ("set a timer for 5 minutes for a bit", "Timer set for 5 minutes.", None),
        (
            "set a timer for 10 minutes named the big pot of pasta sauce",
            "Timer set for 10 minutes.",
            None,
        ),
    ],
)  # fmt: skip
def test_a_timer_said_with_a_name_starts_with_it(
    ask: Ask, timers: Timers, text: str, said: str, name: str | None
) -> None:
    assert ask(text, "HassStartTimer").startswith(said)
    [timer] = timers.timers()
    assert timer.name == name


def test_each_timer_is_worked_by_its_name(ask: Ask, timers: Timers, monotonic: FakeClock) -> None:
    assert ask("set a pasta timer for 10 minutes") == "Pasta timer set for 10 minutes."
    assert ask("set a 5 minute timer for the eggs") == "Eggs timer set for 5 minutes."
    assert ask("set a timer for 20 minutes") == "Timer set for 20 minutes."
    monotonic.now += 60
    assert ask("how long is left on the pasta timer", "HassTimerStatus") == (
        "Your pasta timer has 9 minutes left."
    )
    assert ask("how long is left on the Eggs timer") == "Your eggs timer has 4 minutes left."
    assert ask("pasta timer status") == "Your pasta timer has 9 minutes left."
    assert ask("pause the pasta timer", "HassPauseTimer") == (
        "Paused the pasta timer, with 9 minutes left."
    )
    assert ask("pause the pasta timer") == "Your pasta timer is already paused."
    assert ask("how long is left on the pasta timer") == (
        "Your pasta timer is paused, with 9 minutes left."
    )
    # "The egg timer" is the eggs timer.
    assert ask("add 2 minutes to the egg timer", "HassIncreaseTimer") == (
        "Added 2 minutes to the eggs timer: 6 minutes left."
    )
    assert ask("resume the timer for the pasta", "HassUnpauseTimer") == (
        "Resumed the pasta timer, with 9 minutes left."
    )
    assert ask("resume the pasta timer") == "Your pasta timer is not paused."
    assert ask("take a minute off the pasta timer", "HassDecreaseTimer") == (
        "Took 1 minute off the pasta timer: 8 minutes left."
    )
    assert ask("How much time is left?") == (
        "You have 3 timers. The eggs timer has 6 minutes left. "
        "The pasta timer has 8 minutes left. The timer for 20 minutes has 19 minutes left."
    )
    assert ask("cancel the pasta timer", "HassCancelTimer") == "Cancelled the pasta timer."
    assert [t.name for t in timers.timers()] == ["eggs", None]
    assert ask("stop the timer for the eggs") == "Cancelled the eggs timer."
    # Of one unnamed timer, any name means it.
    assert ask("cancel the pasta timer") == "Cancelled the timer for 20 minutes."
    assert ask("how long is left on the pasta timer") == "There is no timer running."


def test_of_two_timers_with_one_name_the_newest_that_fits_is_worked(
    ask: Ask, timers: Timers, monotonic: FakeClock
) -> None:
    ask("set a pasta timer for 10 minutes")
    ask("set a timer for an hour")
    ask("set a pasta timer for 5 minutes")
    monotonic.now += 60
    assert ask("pause the pasta timer") == "Paused the pasta timer, with 4 minutes left."
    # Pausing takes the newest running one, resuming the newest paused one.
    assert ask("pause the pasta timer") == "Paused the pasta timer, with 9 minutes left."
    assert ask("how long is left on the pasta timer") == (
        "You have 2 timers. The pasta timer is paused, with 4 minutes left. "
        "The pasta timer is paused, with 9 minutes left."
    )
    assert ask("resume the pasta timer") == "Resumed the pasta timer, with 4 minutes left."
    assert ask("cancel the pasta timer") == "Cancelled the pasta timer."
    [first, hour] = timers.timers()
    assert (first.name, first.description, first.paused) == ("pasta", "10 minutes", True)
    assert hour.name is None


def test_a_name_said_exactly_comes_before_its_plural(ask: Ask, timers: Timers) -> None:
    ask("set an egg timer for 10 minutes")
    ask("set a 5 minute timer for the eggs")
    assert ask("cancel the egg timer") == "Cancelled the egg timer."
    assert ask("cancel the egg timer") == "Cancelled the eggs timer."
    assert timers.timers() == []


@pytest.mark.parametrize(
    "text",
    [
        "how long is left on the rice timer",
        "pause the rice timer",
        "resume the rice timer",
        "add 2 minutes to the rice timer",
        "take a minute off the rice timer",
        "cancel the rice timer",
    ],
)
def test_of_several_timers_a_name_none_has_works_none(ask: Ask, timers: Timers, text: str) -> None:
    ask("set a timer for 5 minutes")
    ask("set a 2 minute timer for the eggs")
    timers.pause(timers.timers()[0].timer_id)
    before = timers.timers()
    assert ask(text) == (
        "There is no rice timer. You have a timer for 5 minutes and an eggs timer."
    )
    assert timers.timers() == before


def test_of_one_named_timer_another_name_works_none(ask: Ask, timers: Timers) -> None:
    ask("set a pasta timer for 10 minutes")
    assert ask("cancel the rice timer") == "There is no rice timer. You have a pasta timer."
    assert ask("cancel the big pot of pasta sauce timer") == (
        "I can't tell which timer that is. You have a pasta timer."
    )
    assert [t.name for t in timers.timers()] == ["pasta"]


def test_of_many_timers_a_name_none_has_lists_the_named_ones_first(
    ask: Ask, timers: Timers
) -> None:
    for text in ("for 5 minutes", "for 10 minutes", "called pasta for 1 minute", "for 1 hour"):
        ask(f"set a timer {text}")
    before = timers.timers()
    assert ask("pause the rice timer") == (
        "There is no rice timer. You have a pasta timer, a timer for 5 minutes, "
        "a timer for 10 minutes and 1 more."
    )
    assert timers.timers() == before


def test_a_name_of_time_names_no_timer_even_a_named_one(ask: Ask, timers: Timers) -> None:
    ask("set a pasta timer for 10 minutes")
    assert ask("cancel the timer for a while").startswith("I can't tell which timer that is.")
    assert len(timers.timers()) == 1


def test_a_timer_named_after_a_room_is_worked_by_it(ask: Ask, timers: Timers) -> None:
    """Home Assistant's sentences read "the kitchen timer" as a place, not a name."""
    ask("set a kitchen timer for 10 minutes")
    ask("set a timer for 5 minutes")
    assert ask("how long is left on the kitchen timer") == (
        "Your kitchen timer has 10 minutes left."
    )
    assert ask("cancel the kitchen timer") == "Cancelled the kitchen timer."
    # With no timer of that name, a place changes nothing, as before.
    assert ask("cancel the kitchen timer") == "Cancelled the timer for 5 minutes."


def test_many_timers_are_summed_up(ask: Ask, monotonic: FakeClock) -> None:
    for text in ("an hour", "ten minutes", "five minutes", "ninety seconds"):
        ask(f"Set a timer for {text}.")
    monotonic.now += 30
    assert ask("timer status") == "You have 4 timers. The next one ends in 1 minute."


def test_limits_are_said(ask: Ask, timers: Timers) -> None:
    for _ in range(4):
        ask("Set a timer for five minutes.")
    assert ask("Set a timer for ten minutes.") == "I can keep at most 4 timers at once."
    assert len(timers.timers()) == 4
    for _ in range(3):
        timers.cancel()
    ask("Set a timer for 100 hours.")
    assert ask("add 100 hours to the timer") == "A timer can run for at most a week."
    assert timers.timers()[-1].left_seconds == 100 * 3600


def test_a_timer_that_ends_before_the_action_is_said_to_have_ended(
    matcher: IntentMatcher, timers: Timers
) -> None:
    timers.start(300)
    match = matcher.match("pause the timer")
    assert match is not None
    _plugin, handler = matcher.registry.handler(match.name) or (None, None)
    assert handler is not None
    context = IntentContext(None, {}, {}, {}, timers)  # type: ignore[arg-type]
    said = handler(match, context)
    assert isinstance(said, Action)
    timers.cancel()  # it ends between the words and the act
    with pytest.raises(IntentError, match="just ended"):
        said.act()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[IntentEngine]:
    config: Config = repeatable_config(state_file={"path": str(tmp_path / "state.json")})
    engine = IntentEngine(config, announce=say_nothing)
    yield engine
    engine.close()


def test_the_words_of_timer_intents_are_found_ahead_without_acting(engine: IntentEngine) -> None:
    def ahead(text: str) -> str | None:
        match = engine.match(text)
        assert match is not None, text
        return engine.words_ahead(match)

    engine.timers.start(300)
    [before] = engine.timers.timers()
    assert ahead("how much time is left").startswith("Your timer for 5 minutes has")  # type: ignore[union-attr]
    assert ahead("pause the timer").startswith("Paused the timer for 5 minutes")  # type: ignore[union-attr]
    assert ahead("add two minutes to the timer").startswith("Added 2 minutes")  # type: ignore[union-attr]
    assert ahead("take a minute off the timer").startswith("Took 1 minute off")  # type: ignore[union-attr]
    assert ahead("resume the timer") == "Your timer for 5 minutes is not paused."
    assert ahead("cancel the timer") is None  # cancelling acts when called
    [after] = engine.timers.timers()
    assert not after.paused and before.left_seconds - after.left_seconds < 5


def test_the_engine_carries_out_timer_intents(engine: IntentEngine) -> None:
    def answer(text: str) -> str:
        match = engine.match(text)
        assert match is not None, text
        return engine.answer(match).response

    assert answer("set a timer for five minutes") == "Timer set for 5 minutes."
    assert answer("pause the timer").startswith("Paused the timer for 5 minutes")
    assert engine.timers.timers()[0].paused
    assert answer("resume the timer").startswith("Resumed the timer for 5 minutes")
    assert answer("add two minutes to the timer").startswith("Added 2 minutes")
    assert 400 < engine.timers.timers()[0].left_seconds <= 420


@pytest.mark.parametrize(
    "text, question",
    [
        ("Set a timer for 1:30.", "1 hour 30, or 1 minute 30?"),
        # Whisper writes "one thirty" in other ways too.
        ("Set a timer for one thirty.", "1 hour 30, or 1 minute 30?"),
        ("Set a timer for 1.30.", "1 hour 30, or 1 minute 30?"),
        ("set a timer for one 30", "1 hour 30, or 1 minute 30?"),
        ("set a timer for one oh five", "1 hour 5, or 1 minute 5?"),
        ("set a timer for twelve fifteen", "12 hours 15, or 12 minutes 15?"),
        ("a 2:00 timer", "2 hours, or 2 minutes?"),
        ("set a timer for 0:45", "45 minutes, or 45 seconds?"),
        ("start a 12:05 timer in the kitchen", "12 hours 5, or 12 minutes 5?"),
        # As Whisper writes "one thirty" too, and a hundred and thirty: the clock is asked.
        ("Set a timer for 130.", "1 hour 30, or 1 minute 30?"),
        # A number alone: in which unit, up to a week.
        ("set a timer for 5", "5 hours, 5 minutes, or 5 seconds?"),
        ("a 5 timer", "5 hours, 5 minutes, or 5 seconds?"),
        ("set a timer for twenty five", "25 hours, 25 minutes, or 25 seconds?"),
        ("set a timer for one hundred and thirty", "130 hours, 130 minutes, or 130 seconds?"),
        ("set a timer for 9999", "9999 minutes, or 9999 seconds?"),
        # Two digits ending in 0, below 60, after a whole number: Whisper writes "one
        # thirty" so (and 1.3 as "1.3"); "45.30" as "45:30" is read.
        ("set a timer for 2.30", "2 hours 30, or 2 minutes 30?"),
        ("set a timer for 10.50", "10 hours 50, or 10 minutes 50?"),
        ("set a timer for 45.30", "45 hours 30, or 45 minutes 30?"),
        ("set a timer for 1.00", "1 hour, 1 minute, or 1 second?"),
        # A decimal alone, as Whisper writes "one point five" and "one point two five"
        # ("one fifteen" it writes "115"): said without a trailing 0.
        ("set a timer for 1.5", "1.5 hours, or 1.5 minutes?"),
        ("set a timer for 1.15", "1.15 hours, or 1.15 minutes?"),
        ("Set a timer for 1.25.", "1.25 hours, or 1.25 minutes?"),
        ("set a timer for 1.05", "1.05 hours, or 1.05 minutes?"),
        ("set a timer for 1.75", "1.75 hours, or 1.75 minutes?"),
        ("set a timer for 1.60", "1.6 hours, or 1.6 minutes?"),
        ("set a timer for 0.30", "0.3 hours, or 0.3 minutes?"),
        ("set a timer for .45", "0.45 hours, or 0.45 minutes?"),
        ("set a timer for 30.15", "30.15 hours, or 30.15 minutes?"),
        # With the sentence's own full stop, as Whisper ends it.
        ("Set a timer for 1.5.", "1.5 hours, or 1.5 minutes?"),
        ("Set a timer for 1.0.", "1 hour, 1 minute, or 1 second?"),
        ("a 2.5 timer", "2.5 hours, or 2.5 minutes?"),
        ("set a timer for .5", "0.5 hours, or 0.5 minutes?"),
        ("set a timer for 1.0", "1 hour, 1 minute, or 1 second?"),
        # "1.30 hours": "one thirty hours" as a clock, or 1.3 hours.
        ("set a timer for 1.30 hours", "1 hour 30, or 1.3 hours?"),
        ("set a timer for 1.50 minutes", "1 minute 50, or 1.5 minutes?"),
        ("set a timer for 0.30 hours", "30 minutes, or 0.3 hours?"),
        # "one thirty minutes": a clock's form with its unit, or a number said so.
        ("set a timer for one thirty minutes", "1 minute 30, or 130 minutes?"),
        ("Set a timer for one fifteen minutes.", "1 minute 15, or 115 minutes?"),
        ("set a timer for one oh five hours", "1 hour 5, or 105 hours?"),
        ("set a timer for two 45 minutes", "2 minutes 45, or 245 minutes?"),
    ],
)
def test_a_duration_without_its_unit_is_asked_about_never_guessed(
    engine: IntentEngine, text: str, question: str
) -> None:
    """Whisper writes "one thirty" as "1:30": an hour and 30 minutes, or a minute and
    30 seconds. No timer starts until the answer says which."""
    match = engine.match(text)
    assert match is not None and match.name == "TimerWithoutUnit"
    assert not match.complete  # the turn does not end early on it
    assert engine.ahead(match) == Ahead(words=question, acts=False, asks=True)
    asked = engine.answer(match)
    assert (asked.response, asked.done) == (question, False)
    assert isinstance(asked.confirmation, Choice)
    assert engine.timers.running() == []


@pytest.mark.parametrize(
    "reply, said",
    [
        ("One minute.", "1 minute and 30 seconds"),
        ("minutes", "1 minute and 30 seconds"),
        ("A minute thirty.", "1 minute and 30 seconds"),
        ("a minute and a half please", "1 minute and 30 seconds"),
        ("Ninety seconds.", "1 minute and 30 seconds"),
        ("Hours.", "1 hour and 30 minutes"),
        ("An hour and a half.", "1 hour and 30 minutes"),
        ("one hour thirty", "1 hour and 30 minutes"),
        ("It's 90 minutes.", "1 hour and 30 minutes"),
        ("the hour one", "1 hour and 30 minutes"),
    ],
)
def test_the_answer_starts_the_timer_it_names(engine: IntentEngine, reply: str, said: str) -> None:
    match = engine.match("Set a timer for 1:30.")
    assert match is not None
    done = engine.reply(engine.answer(match), reply)
    assert done is not None and done.done
    assert done.response == f"Timer set for {said}."
    assert engine.timers.running() == [said]


@pytest.mark.parametrize(
    "text, reply, said",
    [
        ("Set a timer for 130.", "minutes", "1 minute and 30 seconds"),
        # Not asked, but what "130" says: a hundred and thirty minutes.
        ("Set a timer for 130.", "130 minutes.", "2 hours and 10 minutes"),
        ("set a timer for 5", "Minutes.", "5 minutes"),
        ("set a timer for 5", "five seconds", "5 seconds"),
        ("set a timer for twenty five", "hours", "25 hours"),
        ("set a timer for 1.25", "hours", "1 hour and 15 minutes"),
        ("set a timer for 1.25", "An hour and a quarter.", "1 hour and 15 minutes"),
        ("set a timer for 1.25", "one minute", "1 minute and 15 seconds"),
        ("set a timer for 1.05", "hours", "1 hour and 3 minutes"),
        ("set a timer for 45.30", "minutes", "45 minutes and 30 seconds"),
        ("set a timer for 1.5", "minutes", "1 minute and 30 seconds"),
        ("set a timer for 1.5", "hours", "1 hour and 30 minutes"),
        ("set a timer for 1.75", "hours", "1 hour and 45 minutes"),
        ("set a timer for 1.75", "one minute", "1 minute and 45 seconds"),
        ("set a timer for .5", "half an hour", "30 minutes"),
        ("set a timer for 1.30 hours", "an hour and a half", "1 hour and 30 minutes"),
        ("set a timer for 1.30 hours", "1 hour 30", "1 hour and 30 minutes"),
        ("set a timer for 1.30 hours", "1.3 hours", "1 hour and 18 minutes"),
        ("set a timer for 1.50 minutes", "1.5 minutes", "1 minute and 30 seconds"),
        # "1.30" alone is still Whisper's "one thirty".
        ("set a timer for 1.30", "hours", "1 hour and 30 minutes"),
        # "one fifteen minutes": the clock's reading, or the number's.
        ("set a timer for one fifteen minutes", "one minute", "1 minute and 15 seconds"),
        ("set a timer for one fifteen minutes", "75 seconds", "1 minute and 15 seconds"),
        ("set a timer for one fifteen minutes", "115 minutes", "1 hour and 55 minutes"),
        ("set a timer for one thirty hours", "an hour and a half", "1 hour and 30 minutes"),
    ],
)
def test_the_answer_gives_a_number_its_unit(
    engine: IntentEngine, text: str, reply: str, said: str
) -> None:
    match = engine.match(text)
    assert match is not None
    done = engine.reply(engine.answer(match), reply)
    assert done is not None and done.response == f"Timer set for {said}."
    assert engine.timers.running() == [said]


@pytest.mark.parametrize(
    "text, reply",
    [
        # What "1.5" read as a clock would be: neither 1.5 hours nor 1.5 minutes.
        ("set a timer for 1.5", "1 hour 5"),
        ("set a timer for 1.5", "an hour and 5 minutes"),
        ("set a timer for 1.5", "seconds"),  # not asked: a timer runs whole seconds
        # What "1.25" read as a clock would be: neither 1.25 hours nor 1.25 minutes.
        ("set a timer for 1.25", "1 hour 25"),
        ("set a timer for 1.25", "seconds"),
        ("set a timer for 1.30 hours", "hours"),  # both are hours
        ("set a timer for 1.50 minutes", "minutes"),
    ],
)
def test_an_answer_that_names_no_reading_of_a_decimal_starts_nothing(
    engine: IntentEngine, text: str, reply: str
) -> None:
    match = engine.match(text)
    assert match is not None
    assert engine.reply(engine.answer(match), reply) is None
    assert engine.timers.running() == []


@pytest.mark.parametrize(
    "text, question, reply, said",
    [
        (
            "add 1:30 to the timer",
            "1 hour 30, or 1 minute 30?",
            "One minute.",
            "Added 1 minute and 30 seconds to the timer for 5 minutes: 6 minutes and 30 seconds",
        ),
        (
            "add 1:30 to the pasta timer",
            "1 hour 30, or 1 minute 30?",
            "an hour and a half",
            "Added 1 hour and 30 minutes to the timer for 5 minutes: 1 hour and 35 minutes",
        ),
        (
            "take 1:30 off the timer",
            "1 hour 30, or 1 minute 30?",
            "minutes",
            "Took 1 minute and 30 seconds off the timer for 5 minutes: 3 minutes and 30 seconds",
        ),
        (
            "add one thirty minutes to the timer",
            "1 minute 30, or 130 minutes?",
            "one minute",
            "Added 1 minute and 30 seconds to the timer for 5 minutes: 6 minutes and 30 seconds",
        ),
        (
            "add one fifteen minutes to the timer",
            "1 minute 15, or 115 minutes?",
            "115 minutes",
            "Added 1 hour and 55 minutes to the timer for 5 minutes: 2 hours",
        ),
        (
            "add 1.30 to the timer",
            "1 hour 30, or 1 minute 30?",
            "one minute",
            "Added 1 minute and 30 seconds to the timer for 5 minutes: 6 minutes and 30 seconds",
        ),
        (
            "Add 1:30 to the 5 minute timer.",
            "1 hour 30, or 1 minute 30?",
            "ninety seconds",
            "Added 1 minute and 30 seconds to the timer for 5 minutes: 6 minutes and 30 seconds",
        ),
        (
            "extend the timer by 1:30",
            "1 hour 30, or 1 minute 30?",
            "hours",
            "Added 1 hour and 30 minutes to the timer for 5 minutes: 1 hour and 35 minutes",
        ),
        (
            "knock 1.25 off the timer",
            "1.25 hours, or 1.25 minutes?",
            "minutes",
            "Took 1 minute and 15 seconds off the timer for 5 minutes: 3 minutes and 45 seconds",
        ),
        (
            "add 5 more to the timer",
            "5 hours, 5 minutes, or 5 seconds?",
            "minutes",
            "Added 5 minutes to the timer for 5 minutes: 10 minutes",
        ),
        (
            "add 1:30 extra to the timer",
            "1 hour 30, or 1 minute 30?",
            "one minute",
            "Added 1 minute and 30 seconds to the timer for 5 minutes: 6 minutes and 30 seconds",
        ),
        (
            "add 5 to the timer",
            "5 hours, 5 minutes, or 5 seconds?",
            "minutes",
            "Added 5 minutes to the timer for 5 minutes: 10 minutes",
        ),
        (
            "add 1.5 to the timer",
            "1.5 hours, or 1.5 minutes?",
            "minutes",
            "Added 1 minute and 30 seconds to the timer for 5 minutes: 6 minutes and 30 seconds",
        ),
    ],
)
def test_time_added_without_its_unit_is_asked_about_and_the_answer_adds_it(
    engine: IntentEngine, text: str, question: str, reply: str, said: str
) -> None:
    """ "Add 1:30 to the timer" reached the model ("I cannot add 1:30 to the timer."): it is
    asked about as a timer for 1:30 is, and nothing changes until the answer says which."""
    engine.timers.start(300)
    match = engine.match(text)
    assert match is not None and match.name == "TimerWithoutUnit"
    assert not match.complete
    assert engine.ahead(match) == Ahead(words=question, acts=False, asks=True)
    asked = engine.answer(match)
    assert (asked.response, asked.done) == (question, False)
    assert engine.reply(asked, "Two hours.") is None  # names neither: nothing changes
    assert [timer.left_seconds for timer in engine.timers.timers()] == [pytest.approx(300, abs=5)]
    done = engine.reply(asked, reply)
    assert done is not None and done.done
    assert done.response == f"{said} left."


def test_time_added_without_its_unit_to_no_timer_is_not_asked_about(
    engine: IntentEngine,
) -> None:
    def answer(text: str) -> str:
        match = engine.match(text)
        assert match is not None and match.name == "TimerWithoutUnit", text
        return engine.answer(match).response

    assert answer("add 1:30 to the timer") == "There is no timer running."
    assert answer("take 1.15 off the pasta timer") == "There is no timer running."
    engine.timers.start(300)
    engine.timers.start(600)
    assert answer("add 1:30 to the pasta timer") == (
        "There is no pasta timer. You have a timer for 5 minutes and a timer for 10 minutes."
    )
    assert answer("add 1:30 to the 3 minute timer") == "There is no timer for 3 minutes."
    assert answer("add 0:00 to the timer") == "That is no time at all: nothing changed."
    # Of one reading of at most a week, a yes takes it.
    taking = engine.match("take 999:59 off the timer")
    assert taking is not None
    asked = engine.answer(taking)
    assert asked.response == "Take 999 minutes 59 off the timer?"
    done = engine.reply(asked, "Yes.")
    assert done is not None
    assert done.response == (
        "Took 16 hours, 39 minutes and 59 seconds off the timer for 10 minutes, which ends it."
    )
    assert engine.timers.running() == ["5 minutes"]


@pytest.mark.parametrize(
    "text, reply",
    [
        ("add 1:30 to the timer", "one minute"),
        ("take 1:30 off the timer", "one minute"),
        ("add 999:59 to the timer", "yes"),
    ],
)
def test_time_added_without_its_unit_goes_to_the_timer_named_when_asked(
    engine: IntentEngine, text: str, reply: str
) -> None:
    """ "The timer" is the newest when the question is asked; if it ends before the answer,
    the answer changes no other timer, as "add 2 minutes to the timer" would not."""
    engine.timers.start(600)
    engine.timers.start(300)
    match = engine.match(text)
    assert match is not None and match.name == "TimerWithoutUnit"
    asked = engine.answer(match)
    engine.timers.cancel()  # the 5 minute timer ends during the question
    done = engine.reply(asked, reply)
    assert done is not None and done.response == "That timer has just ended."
    assert [timer.left_seconds for timer in engine.timers.timers()] == [pytest.approx(600, abs=5)]


def test_a_number_answered_with_another_number_starts_nothing(engine: IntentEngine) -> None:
    match = engine.match("set a timer for 5")
    assert match is not None
    assert engine.reply(engine.answer(match), "ten minutes") is None
    assert engine.timers.running() == []


@pytest.mark.parametrize(
    "reply",
    [
        "No.",
        "No, one minute.",
        "Yes.",
        "Two hours.",  # neither
        "half an hour",
        "seconds",  # of neither "1 hour 30" nor "1 minute 30"
        "Set a timer for 5 minutes.",
        "What time is it?",
    ],
)
def test_an_answer_that_names_neither_starts_nothing(engine: IntentEngine, reply: str) -> None:
    match = engine.match("Set a timer for 1:30.")
    assert match is not None
    assert engine.reply(engine.answer(match), reply) is None
    assert engine.timers.running() == []


def test_a_clock_asked_about_keeps_its_place_and_refuses_no_time(engine: IntentEngine) -> None:
    asked = engine.match("set a timer for 1:30 in the kitchen")
    assert asked is not None
    done = engine.reply(engine.answer(asked), "minutes")
    assert done is not None
    assert done.response == "Timer set for 1 minute and 30 seconds. It will ring here."
    for text in ("set a timer for 0:00", "set a timer for 0"):
        nothing = engine.match(text)
        assert nothing is not None
        assert engine.answer(nothing).response == "That is no time at all: no timer set."


def test_a_clock_of_which_one_reading_is_at_most_a_week_is_asked_as_a_yes(
    engine: IntentEngine,
) -> None:
    """ "999:59" as hours is over a week: only the minutes are asked about, and only a yes
    starts them."""
    match = engine.match("set a timer for 999:59")
    assert match is not None and match.name == "TimerWithoutUnit"
    asked = engine.answer(match)
    assert asked.response == "Set a timer for 999 minutes 59?"
    assert isinstance(asked.confirmation, Confirmation)
    assert engine.reply(asked, "hours") is None
    done = engine.reply(asked, "Yes.")
    assert done is not None
    assert done.response == "Timer set for 16 hours, 39 minutes and 59 seconds."
    assert engine.timers.running() == ["16 hours, 39 minutes and 59 seconds"]


def test_cancel_that_just_after_a_timer_was_set_cancels_it(
    ask: Ask, timers: Timers, monotonic: FakeClock
) -> None:
    """The undo of a misheard "Timer set for 50 minutes.": "Okay." alone sounded as if
    it had been cancelled, and the timer rang later."""
    ask("Set a timer for 10 minutes.")
    monotonic.now += 120
    ask("Set a timer for 50 minutes.")
    monotonic.now += 5
    assert ask("Cancel that.", "HassNevermind") == "Cancelled the timer for 50 minutes."
    assert [timer.description for timer in timers.timers()] == ["10 minutes"]
    # A minute on, "cancel that" refers to nothing; "never mind" never cancels.
    ask("Set a timer for 20 minutes.")
    assert ask("Never mind.", "HassNevermind") == "Okay."
    monotonic.now += 61
    assert ask("Cancel it.", "HassNevermind") == "Okay."
    assert [timer.description for timer in timers.timers()] == ["10 minutes", "20 minutes"]


@pytest.mark.parametrize(
    "call, said",
    [
        ('"HassStartTimer", "arguments": {"minutes": 0}', "That is no time at all: no timer set."),
        ('"HassStartTimer", "arguments": {"minutes": -5}', "I can't use -5 minutes as a time."),
        ('"HassStartTimer", "arguments": {"minutes": "ten"}', "I can't use ten minutes as a time."),
        ('"HassStartTimer", "arguments": {"hours": true}', "I can't use True hours as a time."),
        (
            '"HassStartTimer", "arguments": {"hours": 1, "hours_decimals": "5e3"}',
            "I can't use 1.5e3 hours as a time.",
        ),
        # Too large for a float: refused as no number.
        (
            f'"HassStartTimer", "arguments": {{"seconds": 1{"0" * 400}}}',
            f"I can't use 1{'0' * 400} seconds as a time.",
        ),
        (
            '"TimerWithoutUnit", "arguments": {"clock_whole": 1, "clock_sixtieths": "thirty"}',
            "I can't use thirty seconds as a time.",
        ),
        (
            '"HassIncreaseTimer", "arguments": {"seconds": 0}',
            "That is no time at all: nothing changed.",
        ),
        (
            '"TimerWithoutUnit", "arguments": {"unitless_number": 1, '
            '"unitless_number_decimals": "5e3"}',
            "I can't use 1.5e3 hours as a time.",
        ),
        (
            '"TimerWithoutUnit", "arguments": {"clock_whole": 1, "clock_sixtieths": 30, '
            '"clock_unit": "days"}',
            "I can't use 1.30 days as a time.",
        ),
        (
            '"TimerWithoutUnit", "arguments": {"clock_unit": "hours"}',
            "I can't use 0.00 hours as a time.",
        ),
        (
            '"TimerWithoutUnit", "arguments": {"unitless_number": 5, "change": "double"}',
            "I can only add time to a timer or take it off.",
        ),
        (
            '"TimerWithoutUnit", "arguments": {"unitless_number": 5, "change": ["add"]}',
            "I can only add time to a timer or take it off.",
        ),
        # No reading of at most a week: refused; of one, asked as a yes or no.
        (
            '"TimerWithoutUnit", "arguments": {"unitless_number": 700000}',
            "A timer can run for at most a week.",
        ),
        (
            '"TimerWithoutUnit", "arguments": {"clock_whole": 20000, "clock_sixtieths": 5}',
            "A timer can run for at most a week.",
        ),
        (
            '"TimerWithoutUnit", "arguments": {"unitless_number": 200000}',
            "Set a timer for 200000 seconds?",
        ),
        (
            '"TimerWithoutUnit", "arguments": {"unitless_digits": 1000030}',
            "Set a timer for 10000 minutes 30?",
        ),
    ],
)
def test_a_tool_call_for_no_time_is_refused_in_words(
    engine: IntentEngine, call: str, said: str
) -> None:
    """A model's tool call is checked only against the intent's slot names: a duration
    that is no time is the handler's to refuse, as a spoken answer, not as a crash."""
    engine.timers.start(300)
    match = ToolGate(engine.registry, []).check(f'<tool_call>{{"name": {call}}}</tool_call>')
    assert engine.ahead(match).words == said
    answer = engine.answer(match)
    assert (answer.response, answer.done) == (said, False)
    assert [timer.left_seconds for timer in engine.timers.timers()] == [pytest.approx(300, abs=5)]


def test_cancel_that_just_after_a_named_timer_was_set_says_its_name(
    ask: Ask, timers: Timers, monotonic: FakeClock
) -> None:
    ask("Set a timer for 10 minutes.")
    monotonic.now += 120
    assert ask("set a pasta timer for 50 minutes") == "Pasta timer set for 50 minutes."
    monotonic.now += 5
    assert ask("Cancel that.", "HassNevermind") == "Cancelled the pasta timer."
    assert [timer.description for timer in timers.timers()] == ["10 minutes"]


@pytest.mark.parametrize(
    "name, said, kept",
    [
        ('"the Pasta"', "Pasta timer set for 5 minutes.", "pasta"),
        ('"for a while"', "Timer set for 5 minutes.", None),
        ('["pasta"]', "Timer set for 5 minutes.", None),
        ("42", "Timer set for 5 minutes.", None),
        ('"' + "x" * 41 + '"', "Timer set for 5 minutes.", None),
    ],
)
def test_a_tool_call_names_a_timer_only_with_a_name(
    engine: IntentEngine, name: str, said: str, kept: str | None
) -> None:
    """A model's tool call may give any value for the name: only words that are a name
    name the timer; the others start it unnamed."""
    call = f'"HassStartTimer", "arguments": {{"minutes": 5, "timer_name": {name}}}'
    match = ToolGate(engine.registry, []).check(f'<tool_call>{{"name": {call}}}</tool_call>')
    assert match is not None
    answer = engine.answer(match)
    assert answer.response == said
    assert [timer.name for timer in engine.timers.timers()] == [kept]
