"""One spoken turn, split by what each part does.

- `turn.py`: `Turn`, one turn in progress (its reply, marks, report), and `CurrentTurn`,
  the slot that lets the listening thread cut the turn being answered.
- `record.py`: the recorder that turns a turn's stage events into its `TurnReport`.
- `router.py`: picks who answers a heard command; `intent.py` (a matched command,
  questions asked and their answers) and `llm.py` (the model's answer, spoken as it
  comes) answer it; `heard.py` strips the wake phrase and checks what was heard.
- `speculate.py`: the work done at a pause in a command, before its end is confirmed.
- `loop.py`: the listening loop, and the only code that starts threads (their table is
  in its docstring).
- `ports.py`: what the turn needs of each engine.
"""
