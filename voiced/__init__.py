"""voiced: an offline voice assistant daemon."""

import os

__version__ = "0.1.0"

# llama.cpp and CTranslate2 run on OpenMP, whose threads spin at every barrier for a long
# while before they sleep. When another process wants the same cores (on a Pi shared
# with other services), a spinning thread keeps its descheduled partner waiting: 3 x 48
# tokens at nice 10 beside two busy processes did not finish in 140 s. Spinning briefly
# gave 9 tokens/s there and the same speed when idle; read when the library loads, so set
# here, before either is imported. A value set by the user is kept.
os.environ.setdefault("GOMP_SPINCOUNT", "10000")
