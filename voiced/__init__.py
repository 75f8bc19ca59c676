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
# numpy's OpenBLAS keeps a worker thread per core spinning for a long while after every
# matrix product (the end-of-turn model's mel filters, one a look): that held the LLM,
# at nice 10 on the same two cores, for 0.1 s after a 0.035 s look (a 2-core Zen 5,
# 2026-12-07). The audio path's products are small: one thread computes them as fast.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
