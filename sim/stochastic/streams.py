"""Explicit, named random streams built on :class:`numpy.random.SeedSequence`.

Every random decision in a replication draws from a stream named by a *path* such as
``("handling", "城管", "street")`` or ``("arrivals", "hotline")``. A path maps to a child seed
through ``SeedSequence(entropy=seed, spawn_key=<stable ints of the path>)``, so

* each purpose gets an independent stream, however many other streams exist or are used;
* switching the dispatch policy does not shift the numbers any other purpose sees: paired
  comparisons across policies use **common random numbers** (CRN) and their differences have a
  much smaller variance than independent runs would give;
* the mapping is stable across processes and Python versions (``zlib.crc32`` of the UTF-8 name,
  never the salted built-in ``hash``), so a run can be reproduced from its seed alone.

Conventions: the first element of a path is a purpose from :data:`STREAM_NAMES`; later elements
narrow it down (channel, category, team, tier). Use either :meth:`Streams.generator` or
:meth:`Streams.uniform` for one path, not both: they share one generator, so mixing them makes each
depend on how much the other consumed.
"""

from __future__ import annotations

import operator
import zlib
from itertools import islice

import numpy as np

__all__ = [
    "STREAM_NAMES",
    "STREAM_PURPOSES",
    "Streams",
    "UniformBlock",
    "replication_seed",
    "stream_seed",
]

#: Purpose of each conventional first path element. Documentation, not a constraint: any name
#: works, but sticking to these keeps streams of different modules apart and greppable.
STREAM_PURPOSES: dict[str, str] = {
    "arrivals": "arrival times of a channel (hotline, patrol, sensor)",
    "category": "case category drawn at arrival",
    "location": "grid / place of a case drawn at arrival",
    "tier": "which level can solve the case (grid, community, street, department, joint)",
    "order": "whether a hotline contact becomes a work order or is answered at the desk",
    "flare": "latent flare-up clock of a case (小事拖大)",
    "intake": "hotline intake: talk time, queueing abandonment",
    "registration": "registration time (立案)",
    "dispatch": "dispatch desk: triage time, misrouting, return (退单) delay",
    "travel": "travel-time noise of workers going on site",
    "handling": "handling (处置) time by category and tier",
    "verification": "verification (核查) time",
    "escalation": "transfer (转办) delays, whistle (吹哨) decisions and response",
    "evaluation": "satisfaction and reopening (评价, 重开)",
    "patrol": "grid-worker patrol routes and discovery",
    "staff": "absences and shift perturbations",
    "replication": "derivation of per-replication seeds from a root seed",
}

STREAM_NAMES: tuple[str, ...] = tuple(STREAM_PURPOSES)

_U32 = 1 << 32


def _key(part: str | int) -> int:
    """Stable 32-bit integer for one path element."""
    if isinstance(part, str):
        return zlib.crc32(part.encode("utf-8"))
    try:
        value = operator.index(part)
    except TypeError:
        raise TypeError(
            f"stream path elements must be str or int, got {type(part).__name__}: {part!r}"
        ) from None
    if not 0 <= value < _U32:
        raise ValueError(f"integer stream path element must be in [0, 2**32), got {value}")
    return value


def _root(seed: int) -> int:
    try:
        value = operator.index(seed)
    except TypeError:
        raise TypeError(f"seed must be an int, got {type(seed).__name__}: {seed!r}") from None
    if value < 0:
        raise ValueError(f"seed must be a non-negative int, got {value}")
    return value


def stream_seed(root_seed: int, *path: str | int) -> np.random.SeedSequence:
    """Seed sequence of the stream ``path`` under ``root_seed``.

    Deterministic and process-independent: strings map through ``zlib.crc32`` of their UTF-8
    bytes, integers in ``[0, 2**32)`` map to themselves.
    """
    return np.random.SeedSequence(entropy=_root(root_seed), spawn_key=tuple(_key(p) for p in path))


def replication_seed(root_seed: int, replication: int) -> int:
    """Integer seed of replication ``replication`` under ``root_seed``.

    It depends on nothing else (not on the policy nor the scenario), so replication *k* of every
    configuration sees the same random numbers: common random numbers for paired comparisons.
    """
    state = stream_seed(root_seed, "replication", replication).generate_state(1, np.uint64)
    return int(state[0])


class UniformBlock:
    """U(0, 1) variates handed out one by one from blocks drawn with one numpy call.

    A per-draw ``rng.random()`` costs ~0.5 µs; this costs ~0.1 µs, which matters for the several
    uniforms each arrival needs in the simulation's hot loop.
    """

    __slots__ = ("_block", "_it", "_rng")

    def __init__(self, rng: np.random.Generator, block: int = 4096):
        if block < 1:
            raise ValueError(f"block must be >= 1, got {block}")
        self._rng = rng
        self._block = block
        self._it = iter(())

    def __call__(self) -> float:
        try:
            return next(self._it)
        except StopIteration:
            self._it = iter(self._rng.random(self._block).tolist())
            return next(self._it)

    def take(self, n: int) -> np.ndarray:
        """The next ``n`` variates as an array: exactly what ``n`` calls would have returned.

        For draws made a day of arrivals at a time (one numpy call instead of ``n`` calls).
        The generator's output does not depend on how it is split into calls, so the stream
        continues seamlessly whichever way it is read next.
        """
        head = list(islice(self._it, n))
        if len(head) == n:
            return np.array(head, dtype=np.float64)
        tail = self._rng.random(n - len(head))
        return np.concatenate((np.array(head, dtype=np.float64), tail)) if head else tail


class Streams:
    """All named streams of one replication, created lazily and cached by path."""

    def __init__(self, seed: int):
        self.seed = _root(seed)
        self._generators: dict[tuple[str | int, ...], np.random.Generator] = {}
        self._uniforms: dict[tuple[str | int, ...], UniformBlock] = {}

    def generator(self, *path: str | int) -> np.random.Generator:
        """PCG64 generator of ``path``; the same object on every call with the same path."""
        gen = self._generators.get(path)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(stream_seed(self.seed, *path)))
            self._generators[path] = gen
        return gen

    def uniform(self, *path: str | int) -> UniformBlock:
        """Blocked U(0, 1) source of ``path``; cached, so repeated calls continue one stream."""
        block = self._uniforms.get(path)
        if block is None:
            block = UniformBlock(self.generator(*path))
            self._uniforms[path] = block
        return block
