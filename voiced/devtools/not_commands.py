"""The recordings that are not the command the command bias would suggest
(tests/recordings/not-commands, made by scripts/make-recordings): what is said, in which
voice, and whether noise is mixed under it."""

from __future__ import annotations

# Recordings that are NOT the command the command bias would suggest (scripts/intent-accuracy
# counts a device changed on any of them that its entry does not allow as an invented action):
# name -> (voice, text, noise). A voice is "piper", "piper-fast" (sox tempo 1.4), or
# "espeak:VOICE:WPM"; "human:FILE" is a real person's recording from Debian's
# pocketsphinx-testdata (BSD-2, CMU; the LibriVox readings are in the public domain), after
# a Piper wake word; the wake word is said at an ordinary pace (at most 170 words a minute). The
# "issue-" ones are issue 27's own cases, said again here in five voices.
ISSUE_VOICES = {
    "us": "espeak:en-us:350",
    "m3": "espeak:en-us+m3:320",
    "f3": "espeak:en-us+f3:330",
    "gb": "espeak:en-gb:330",
    "m1": "espeak:en-us+m1:300",
}
NOT_COMMANDS: dict[str, tuple[str, str, bool]] = {
    **{
        f"issue-kitchen-light-please-{short}": (
            voice,
            "the kitchen light, please.",
            False,
        )
        for short, voice in ISSUE_VOICES.items()
    },
    **{
        f"issue-switch-off-kitchen-light-{short}": (
            voice,
            "switch off the kitchen light.",
            False,
        )
        for short, voice in ISSUE_VOICES.items()
    },
    "kitchen-light-please-fast": ("espeak:en-us:260", "the kitchen light, please.", False),
    "switch-off-kitchen-light-fast": ("espeak:en-us:260", "switch off the kitchen light.", False),
    "switch-off-kitchen-light-m3-fast": (
        "espeak:en-us+m3:280",
        "switch off the kitchen light.",
        False,
    ),
    "turn-off-bedroom-lamp-piper-fast": ("piper-fast", "Turn off the bedroom lamp.", False),
    # Cut short.
    "cut-turn-on-the": ("espeak:en-gb:200", "turn on the", False),
    "cut-switch-off": ("piper", "Switch off the", False),
    "cut-set-bedroom-lamp-to": ("espeak:en-us:220", "set the bedroom lamp to", False),
    "cut-turn-the-kitchen": ("piper-fast", "Turn the kitchen", False),
    # Device names alone.
    "name-kitchen-light": ("piper", "The kitchen light.", False),
    "name-bedroom-lamp-gb": ("espeak:en-gb:170", "the bedroom lamp.", False),
    "name-coffee-maker-please": ("espeak:en-us+f3:240", "the coffee maker, please.", False),
    "name-ceiling-fan-noisy": ("piper", "The ceiling fan, please.", True),
    "name-living-room-light-fast": ("piper-fast", "The living room light.", False),
    "name-kitchen-light-noisy": ("espeak:en-us:240", "the kitchen light.", True),
    # Near misses: about a device, asking nothing of it.
    "near-is-kitchen-light-on": ("piper", "Is the kitchen light on?", False),
    "near-bedroom-too-bright": ("espeak:en-gb:190", "The bedroom lamp is too bright.", False),
    "near-coffee-maker-broken": ("piper", "The coffee maker is broken again.", False),
    "near-left-garage-open": ("espeak:en-us:230", "I think I left the garage door open.", False),
    "near-did-you-turn-off-fan": ("piper-fast", "Did you turn off the ceiling fan?", True),
    "near-kitchen-light-flickers": ("espeak:en-us+m3:250", "the kitchen light flickers.", False),
    "near-dont-turn-on": ("piper", "Don't turn on anything.", False),
    # Other people's sentences.
    "other-paint-kitchen": ("espeak:en-us:200", "I think we should paint the kitchen.", False),
    "other-pass-salt": ("piper", "Could you pass me the salt?", False),
    "other-going-to-bed": ("espeak:en-gb:240", "I'm going to bed now.", True),
    "other-meeting-late": ("piper-fast", "The meeting runs late tonight.", False),
    "other-lamp-shop": ("espeak:en-us+f3:210", "We bought a lamp at the shop.", False),
    "human-go-forward": ("human:goforward.raw", "go forward ten meters", False),
    "human-something": ("human:something.raw", "something", False),
    "human-numbers": ("human:numbers.raw", "numbers", False),
    "human-digits": ("human:tidigits/dhd.2934z.raw", "two nine three four zero", False),
    "human-ten-of-clubs": ("human:cards/001.wav", "ten of clubs", False),
    "human-queen-of-clubs": ("human:cards/002.wav", "four queen of clubs", False),
    "human-five-five": ("human:cards/004.wav", "five five", False),
    "human-austen-0880": (
        "human:librivox/sense_and_sensibility_01_austen_64kb-0880.wav",
        "he was not an ill disposed young man",
        False,
    ),
    "human-austen-0930": (
        "human:librivox/sense_and_sensibility_01_austen_64kb-0930.wav",
        "he might even have been made amiable himself",
        False,
    ),
    "human-austen-0890": (
        "human:librivox/sense_and_sensibility_01_austen_64kb-0890.wav",
        "unless to be rather cold hearted and rather selfish is to be ill disposed",
        True,
    ),
}
