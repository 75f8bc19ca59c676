"""The spoken commands of the test recordings (tests/recordings/commands, made by
scripts/make-recordings): also what scripts/whisper-window measures recognition on."""

# Spoken commands, one per recording after the wake word: name -> (voice, text, noisy).
COMMANDS: dict[str, tuple[str, str, bool]] = {
    "kitchen-light-on": ("piper", "Turn on the kitchen light.", False),
    "kitchen-light-off": ("espeak", "Turn off the kitchen light.", False),
    "coffee-maker-on": ("piper", "Switch on the coffee maker.", False),
    "coffee-maker-off": ("piper", "Turn off the coffee maker.", True),
    "bedroom-lamp-on": ("espeak", "Turn on the bedroom lamp.", False),
    "bedroom-lamp-off": ("piper", "Turn off the bedroom lamp.", False),
    "kitchen-area-lights-on": ("piper", "Turn on the lights in the kitchen.", False),
    "ceiling-fan-off": ("piper", "Turn off the ceiling fan.", False),
    "ceiling-fan-on": ("espeak", "Turn the ceiling fan on.", False),
    "living-room-light-on": ("espeak", "Turn on the living room light.", False),
    "light-in-the-kitchen-on": ("piper", "Turn on the light in the kitchen.", True),
    "kitchen-light-50": ("piper", "Set the kitchen light to 50 percent.", False),
    "bedroom-lamp-20": ("espeak", "Set the bedroom lamp brightness to 20 percent.", False),
    "timer-five-minutes": ("piper", "Set a timer for five minutes.", False),
    "timer-ten-minutes": ("espeak", "Set a timer for ten minutes.", False),
    "timer-hour-and-a-half": ("piper", "Set a timer for an hour and a half.", False),
    "timer-ninety-seconds": ("piper", "Set a timer for ninety seconds.", True),
    "cancel-timer": ("piper", "Cancel the timer.", False),
    # The timers left running above: asked about, paused, resumed, lengthened, shortened.
    "timer-status": ("piper", "How much time is left on my timer?", False),
    "timer-status-short": ("espeak", "How much time is left?", False),
    "pause-timer": ("piper", "Pause the timer.", False),
    "resume-timer": ("piper", "Resume the timer.", False),
    "timer-add-two-minutes": ("piper", "Add two minutes to the timer.", True),
    "timer-take-a-minute-off": ("piper", "Take a minute off the timer.", False),
    "time-piper": ("piper", "What time is it?", False),
    "time-espeak": ("espeak", "What time is it?", False),
    "date-piper": ("piper", "What is the date today?", False),
    "date-espeak": ("espeak", "What's the date?", True),
    # Asked about devices, said in fewer words, or out of reach offline (issue 28).
    "bedroom-area-40": ("piper", "Set the bedroom light to 40 percent.", False),
    "state-kitchen-light": ("piper", "Is the kitchen light on?", False),
    "state-which-lights": ("espeak", "Which lights are on?", False),
    "state-bedroom-lamp-brightness": ("piper", "What is the bedroom lamp's brightness?", False),
    "never-mind": ("piper", "Never mind.", False),
    "forget-it": ("espeak", "Forget it.", False),
    "what-time-piper": ("piper", "What time?", False),
    "what-time-espeak": ("espeak", "What time?", True),
    "weather-today": ("piper", "What's the weather like today?", False),
    "weather-rain-espeak": ("espeak", "Is it going to rain tomorrow?", False),
    "news-espeak": ("espeak", "What's the latest news?", False),
    "stock-market": ("piper", "How is the stock market doing today?", True),
    "sports-last-night": ("piper", "Who won the game last night?", False),
    # The example plugin's intent (examples/voiced-dice).
    "roll-a-die": ("piper", "Roll a die.", False),
    # Near misses: the shape of a command, naming no configured device.
    "radio-on": ("piper", "Turn on the radio.", False),
    "garage-door-on": ("espeak", "Turn on the garage door.", False),
    # A light moved by a step (LightStep): the command bias heard "Dim" as "Turn on".
    "dim-kitchen-light": ("piper", "Dim the kitchen light.", False),
    "brighten-bedroom-lamp": ("espeak", "Turn up the bedroom lamp by 10 percent.", False),
    # Several devices in one command, and every light.
    "list-lights-off": ("espeak", "Turn off the kitchen light and the bedroom lamp.", False),
    "all-lights-on": ("espeak", "Turn on all the lights.", False),
    "list-fan-lamp-on": ("piper", "Switch on the ceiling fan and the bedroom lamp.", False),
    # Two commands said as one.
    "compound-timer-light": (
        "piper",
        "Set a timer for five minutes and turn off the kitchen light.",
        False,
    ),
    # Alarms at a time of day (voiced/intents/alarms.py).
    "alarm-seven-am": ("piper", "Set an alarm for seven AM tomorrow.", False),
    "alarm-status": ("espeak", "What alarms do I have?", False),
    # Reminders (voiced/intents/reminders.py).
    "reminder-in-minutes": ("piper", "Remind me in twenty minutes to take the bins out.", False),
    "reminder-at-time": ("espeak", "Remind me to call the doctor at five PM.", False),
    # Sums, worked out by the arithmetic plugin, not the LLM.
    "arith-twelve-times-twelve": ("piper", "What is twelve times twelve?", False),
    "arith-square-root": ("piper", "What's the square root of eighty-one?", False),
    "arith-percent": ("piper", "What is fifteen percent of eighty?", True),
}
