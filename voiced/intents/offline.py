"""Built-in plugin: what voiced cannot know offline (the weather, the news, sports results,
stock prices, anything from the internet) is answered by saying so, never by the LLM, which
would make an answer up (HassGetWeather, GetOnlineInfo)."""

from __future__ import annotations

from voiced.intents import IntentContext, IntentMatch, Plugin
from voiced.intents.ha_sentences import ha_sentences

INTENTS = ["HassGetWeather", "GetOnlineInfo"]

RULES = {
    "offline_when": (
        "(today|tonight|tomorrow [(morning|afternoon|evening|night)]|now|right now|outside|"
        "this (morning|afternoon|evening|week|weekend)|(on|for) the weekend|later [today]|"
        "next week|[on|this|next] <offline_day> [(morning|afternoon|evening|night)])"
    ),
    "offline_day": "(monday|tuesday|wednesday|thursday|friday|saturday|sunday)",
    "offline_weather": "(rain|snow|be (sunny|cloudy|cold|hot|warm|windy|nice))",
    "offline_currency": "(euro|dollar|pound|yen|franc|krona|krone|rupee|yuan|peso)",
    "offline_sport": "(football|soccer|baseball|basketball|hockey|tennis|cricket|rugby)",
    "offline_transport": "(bus|train|tram|subway|ferry|flight|plane)",
    # Places with opening hours: "is the shop open?" asks the internet, not a device.
    "offline_business": (
        "(shop|shops|store|stores|supermarket|pharmacy|chemist|bank|post office|library|"
        "restaurant|cafe|café|bakery|butcher|museum|gym|swimming pool|pool|mall|market|"
        "shopping (centre|center|mall)|garden (centre|center)|petrol station|gas station|"
        "hairdresser|barber|pub|bar|cinema|dentist|doctor's|surgery|town hall|zoo)"
    ),
}
WEATHER_SENTENCES = [
    "<what_is> the weather [like] [<offline_when>]",
    "(what's|what is|how's|how is) the weather [going to be] [like] [for] [<offline_when>]",
    "(what's|what is|how's|how is) the weather [going to be] [like] in {place} [<offline_when>]",
    "what will the weather be [like] [<offline_when>]",
    "(what's|what is) (today's|tomorrow's|<offline_day>'s) (weather|forecast)",
    "(what's|what is) the (temperature|humidity) [going to be] [<offline_when>]",
    "how (hot|cold|warm) (will|is) it (going to be|be) [<offline_when>]",
    "is (there a|a) storm coming [<offline_when>]",
    "<what_is> the [weather] forecast [for] [<offline_when>]",
    "weather [forecast] [for] [<offline_when>]",
    "(is|will) it (going to|gonna) <offline_weather> [<offline_when>]",
    "will it <offline_weather> [<offline_when>]",
    "is it (raining|snowing|sunny|cold|hot|warm|windy) [outside] [<offline_when>]",
    "do I need (an umbrella|a jacket|a coat) [<offline_when>]",
    "(what's|what is) the temperature (outside|<offline_when>)",
    "how (hot|cold|warm) is it (outside|<offline_when>)",
]
# topic -> how people ask for it; the topic is said in the answer.
TOPICS = {
    "the news": [
        "<what_is> [in] the news [<offline_when>]",
        "(what's|what is) the latest news [<offline_when>]",
        "any news [<offline_when>]",
        "who won the election [(last night|yesterday|today)]",
        "(tell|read|give) me the (news|headlines) [<offline_when>]",
        "what are [the] [today's] (headlines|news)",
        "[any] (latest|breaking) news",
        "(what's|what is) (happening|going on) in the world [<offline_when>]",
    ],
    "sports results": [
        "who won the [last|latest] (game|match|race) [(last night|yesterday|today)]",
        "who won (last night's|yesterday's|today's) (game|match|race)",
        "(what's|what is|what was) the score [(of|in) the [<offline_sport>] (game|match)] "
        "[(last night|today)]",
        "[the] (sports|<offline_sport>) (scores|results)",
        "who won the <offline_sport> (game|match) [(last night|yesterday|today)]",
        "how did the (game|match) go [last night]",
        "who won the (super bowl|world series) [(last night|yesterday|this year)]",
    ],
    "stock prices": [
        "(what's|what is) the (stock|share) price of {company}",
        "(what's|what is) the price of {company} (stock|stocks|shares) [<offline_when>]",
        "how much is {company} (stock|shares) [(worth|trading at)] [<offline_when>]",
        "how (is|are) the (stock market|stocks|markets) [doing] [<offline_when>]",
        "(what's|what is) the price of (bitcoin|gold|oil) [<offline_when>]",
        "how much is (bitcoin|gold|oil) [(worth|trading at)] [<offline_when>]",
        "(what's|what is|how is|how's) the (dow [jones]|nasdaq|s and p [500]|ftse|dax|nikkei) "
        "[(at|doing)] [<offline_when>]",
    ],
    "exchange rates": [
        "(what's|what is) the (dollar|euro|pound) (at|worth|trading at) [<offline_when>]",
        "how much is (a|one|1) <offline_currency> in <offline_currency>[s] [<offline_when>]",
        "how many <offline_currency>[s] (is|are|for|to) (a|one|1) <offline_currency> "
        "[<offline_when>]",
        "(what's|what is) the exchange rate [(for|of|between) <offline_currency>[s] "
        "(and|to) <offline_currency>[s]] [<offline_when>]",
        "(what's|what is) the <offline_currency> to <offline_currency> [exchange] rate "
        "[<offline_when>]",
        "how much is {query} <offline_currency>[s] in <offline_currency>[s] [<offline_when>]",
        # An amount of money: "convert 5 kilos to pounds" is for the model.
        "convert {query} <offline_currency>[s] (to|into) <offline_currency>[s]",
    ],
    "the internet": [
        "search the (web|internet) for {query}",
        "(google|look up|search for) {query} (online|on the internet|on the web)",
        "(look it up|search) online",
        "(what's|what is) trending [online] [<offline_when>]",
    ],
    "the timetable": [
        "when (does|is) the next <offline_transport> [(leave|leaving|come|coming|arrive|"
        "arriving|due)] [<offline_when>]",
        "(what time|when) does my <offline_transport> (leave|arrive|depart) [<offline_when>]",
        "is my <offline_transport> (on time|late|delayed) [<offline_when>]",
        "[what are the] <offline_transport> times [<offline_when>]",
    ],
    "opening hours": [
        "(is|are) [<the>] [{place}] <offline_business> [(still|now)] (open|closed|shut) "
        "[<offline_when>]",
        "(is|are) {place} (open|closed|shut) <offline_when>",
        "(when|what time) (does|do) [<the>] [{place}] <offline_business> (open|close|shut) "
        "[<offline_when>]",
        "(when|what time) (does|do) {place} (open|close|shut) <offline_when>",
        "how late is [<the>] [{place}] <offline_business> open [<offline_when>]",
        "(what are|what're) the (opening|business) (hours|times) [(of|for) {place}]",
        "(what are|what're) {place}'s (opening|business) (hours|times)",
    ],
    "the traffic": [
        "(what's|what is|how's|how is) the traffic [like] [<offline_when>]",
    ],
    "your calendar": [
        "(what's|what is) on my (calendar|agenda|schedule) [<offline_when>]",
        "(what|which) (meetings|appointments) do I have [<offline_when>]",
        "do I have [any] (meetings|appointments) [<offline_when>]",
    ],
    "your email": [
        "(check|read) my (email|emails|mail|messages)",
        "do I have [any] new (email|emails|mail|messages)",
    ],
}


def plugin() -> Plugin:
    sentences = ha_sentences(["HassGetWeather"])
    # In place of Home Assistant's "<what_is> [the] weather [like]": "what is weather?" is
    # a question for the model, not about today's weather.
    sentences["intents"]["HassGetWeather"]["data"] = [{"sentences": WEATHER_SENTENCES}]
    sentences["intents"]["GetOnlineInfo"] = {
        "data": [
            {"sentences": templates, "slots": {"topic": topic}}
            for topic, templates in TOPICS.items()
        ]
    }
    sentences["expansion_rules"] = {**sentences["expansion_rules"], **RULES}
    sentences["lists"] = {
        **sentences["lists"],
        "company": {"wildcard": True},
        "query": {"wildcard": True},
        "place": {"wildcard": True},
    }
    return Plugin(
        name="offline",
        description="what only the internet knows: said to be out of reach",
        sentences=sentences,
        handlers={"HassGetWeather": weather, "GetOnlineInfo": online_info},
        side_effect_free=frozenset(INTENTS),
    )


def weather(match: IntentMatch, context: IntentContext) -> str:
    return "I can't check the weather: I work offline."


def online_info(match: IntentMatch, context: IntentContext) -> str:
    return f"I can't check {match.slots.get('topic', 'that')}: I work offline."
