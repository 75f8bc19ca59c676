from voiced.generation import Conversation, Exchange, Generation

SYSTEM = "You are Jarvis."


def exchange(n: int, tokens: int = 10) -> Exchange:
    return Exchange(user=f"question {n}", assistant=f"answer {n}", tokens=tokens)


def test_empty_conversation_is_system_prompt_then_the_new_question():
    conversation = Conversation(SYSTEM, budget_tokens=100)
    assert conversation.messages("Hi?") == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "Hi?"},
    ]


def test_messages_are_system_then_exchanges_in_order_then_the_new_question():
    conversation = Conversation(SYSTEM, budget_tokens=100)
    conversation.add(exchange(1))
    conversation.add(exchange(2))
    assert conversation.messages("question 3") == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "question 1"},
        {"role": "assistant", "content": "answer 1"},
        {"role": "user", "content": "question 2"},
        {"role": "assistant", "content": "answer 2"},
        {"role": "user", "content": "question 3"},
    ]


def test_exchanges_within_the_budget_are_all_kept():
    conversation = Conversation(SYSTEM, budget_tokens=30)
    for n in range(3):
        conversation.add(exchange(n))
    assert [e.user for e in conversation.exchanges] == ["question 0", "question 1", "question 2"]
    assert conversation.history_tokens() == 30


def test_oldest_exchanges_are_dropped_first_when_over_budget():
    conversation = Conversation(SYSTEM, budget_tokens=25)
    for n in range(5):
        conversation.add(exchange(n))
    assert [e.user for e in conversation.exchanges] == ["question 3", "question 4"]
    assert conversation.history_tokens() <= 25


def test_a_large_exchange_pushes_out_several_old_ones():
    conversation = Conversation(SYSTEM, budget_tokens=30)
    for n in range(3):
        conversation.add(exchange(n))
    conversation.add(exchange(3, tokens=25))
    assert [e.user for e in conversation.exchanges] == ["question 3"]


def test_system_prompt_stays_first_after_dropping():
    conversation = Conversation(SYSTEM, budget_tokens=10)
    for n in range(4):
        conversation.add(exchange(n))
    messages = conversation.messages("next")
    assert messages[0] == {"role": "system", "content": SYSTEM}
    assert messages[1] == {"role": "user", "content": "question 3"}
    assert messages[-1] == {"role": "user", "content": "next"}
    assert len(messages) == 4


def test_zero_budget_keeps_no_history():
    conversation = Conversation(SYSTEM, budget_tokens=0)
    conversation.add(exchange(1))
    assert conversation.messages("again") == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "again"},
    ]


def answered(user: str, assistant: str) -> Generation:
    generation = Generation(user)
    generation.exchange = Exchange(user, assistant, tokens=10)
    return generation


def count_words(text: str) -> int:
    return len(text.split())


def test_what_was_heard_of_a_kept_answer_takes_its_place():
    conversation = Conversation(SYSTEM, budget_tokens=100)
    conversation.add(exchange(1))
    mars = answered("Tell me about Mars", "Mars is red. It is cold. It has two moons.")
    conversation.add(mars.exchange)  # kept whole by the engine as it ended
    conversation.add(exchange(1))  # the same words as the first, later

    conversation.remember(mars, "Mars is red.", count_words)

    assert [e.assistant for e in conversation.exchanges] == ["answer 1", "Mars is red.", "answer 1"]
    assert conversation.exchanges[1].tokens == 7  # the question's words and the answer's


def test_an_answer_nobody_heard_leaves_its_question_unanswered():
    conversation = Conversation(SYSTEM, budget_tokens=100)
    conversation.add(exchange(1))
    mars = answered("Tell me about Mars", "Mars is red.")
    conversation.add(mars.exchange)

    conversation.remember(mars, "", count_words)

    assert conversation.exchanges == [exchange(1)]


def test_what_was_heard_of_an_answer_not_kept_yet_is_added():
    conversation = Conversation(SYSTEM, budget_tokens=100)
    mars = answered("Tell me about Mars", "Mars is red. It is cold.")

    conversation.remember(mars, "Mars is red.", count_words)

    assert [e.assistant for e in conversation.exchanges] == ["Mars is red."]
