"""Built-in plugin: how loud voiced speaks (SpeakerVolume, voiced's own): "speak louder",
"quieter, please", "turn the volume down", "set the volume to 4", "volume 60 percent",
"what's your volume?". The model answered "I'm sorry, but I can't assist with that."

The level is 1-10 (voiced/volume.py); "louder" and "quieter" move it by one, and the
answer is spoken at the new level. It never goes to silence: "volume 0" is level 1."""

from __future__ import annotations

from voiced.intents import Action, IntentContext, IntentError, IntentMatch, Plugin
from voiced.intents.ha_sentences import own_sentences
from voiced.volume import MAX_LEVEL, MIN_LEVEL

INTENT = "SpeakerVolume"
# By the fixed slot "change".
SENTENCES = {
    "up": [
        "[(can|could) you] (speak|talk) (louder|up) [a (bit|little)] [please]",
        "[a (bit|little)] louder [please]",
        "[(can|could) you] be louder [please]",
        "(turn|crank) up [the|your] volume [a (bit|little)] [please]",
        "(turn|crank) [the|your] volume up [a (bit|little)] [please]",
        "(increase|raise) [the|your] volume [please]",
        "volume up",
        "i (can't|cannot|can not) hear you [(well|properly)]",
    ],
    "down": [
        "[(can|could) you] (speak|talk) (quieter|softer|more (quietly|softly)|lower) "
        "[a (bit|little)] [please]",
        "[a (bit|little)] (quieter|softer) [please]",
        "[(can|could) you] be quieter [please]",
        "turn down [the|your] volume [a (bit|little)] [please]",
        "turn [the|your] volume down [a (bit|little)] [please]",
        "(decrease|lower|reduce) [the|your] volume [please]",
        "volume down",
        "[you're|you are] (too|so) loud",
        "not so loud [please]",
    ],
    "set": [
        "(set|change|put|turn) [the|your] volume (to|at) {volume_level} [of ten]",
        "volume [to] {volume_level} [of ten]",
        "volume level {volume_level}",
    ],
    "set_percent": [
        "(set|change|put|turn) [the|your] volume (to|at) {volume_percent} (percent|%)",
        "volume [to] {volume_percent} (percent|%)",
    ],
    "loudest": ["(max|maximum|full) volume", "(set|turn) [the|your] volume to (max|maximum|full)"],
    "quietest": ["(min|minimum) volume", "(set|turn) [the|your] volume to (min|minimum)"],
    "ask": [
        "(what's|what is) [the|your] volume [level] [(set to|at)]",
        "how loud are you [set]",
    ],
}
LISTS = {
    "volume_level": {"range": {"from": 0, "to": MAX_LEVEL}},
    "volume_percent": {"range": {"from": 0, "to": 100}},
}


def plugin() -> Plugin:
    blocks = [
        {"sentences": sentences, "slots": {"change": change}}
        for change, sentences in SENTENCES.items()
    ]
    return Plugin(
        name="volume",
        description="how loud voiced speaks: louder, quieter, a level from 1 to 10",
        sentences=own_sentences({INTENT: {"data": blocks}}, LISTS),
        handlers={INTENT: speaker_volume},
        side_effect_free=frozenset({INTENT}),
    )


def speaker_volume(match: IntentMatch, context: IntentContext) -> Action | str:
    volume = context.volume
    if volume is None:
        raise IntentError("I have no speaker to change the volume of.")
    level = volume.level
    change = match.slots["change"]
    if change == "ask":
        return f"My volume is {level} of {MAX_LEVEL}."
    if change in ("up", "down"):
        wanted = level + (1 if change == "up" else -1)
        if not MIN_LEVEL <= wanted <= MAX_LEVEL:
            return (
                f"I'm already at my {'loudest' if change == 'up' else 'quietest'}: volume {level}."
            )
    elif change == "loudest":
        wanted = MAX_LEVEL
    elif change == "quietest":
        wanted = MIN_LEVEL
    elif change == "set_percent":  # 55 percent is level 6
        wanted = int(int(match.slots["volume_percent"]) * MAX_LEVEL / 100 + 0.5)
    else:
        wanted = int(match.slots["volume_level"])
    said = f"Volume {wanted}."
    if wanted < MIN_LEVEL:  # "volume 0": as quiet as it goes, never silent
        wanted = MIN_LEVEL
        said = f"Volume {MIN_LEVEL}, my quietest: I don't go silent, or you couldn't hear me."

    def act() -> None:
        assert volume is not None
        volume.set(wanted)

    return Action(said, act)
