"""A numpy Generator's state to JSON and back, so that a loaded model draws the same
samples the saved one would have drawn next."""

import numpy as np

#: The bit generators a saved Generator state may name; the name read from a file is
#: looked up here, never on ``np.random`` (where it could name a function such as seed).
BIT_GENERATORS = {
    "PCG64": np.random.PCG64,
    "PCG64DXSM": np.random.PCG64DXSM,
    "Philox": np.random.Philox,
    "SFC64": np.random.SFC64,
    "MT19937": np.random.MT19937,
}


def generator_state(rng):
    """The JSON-ready state of a Generator's bit generator.

    MT19937, Philox and SFC64 keep their state in arrays; they become lists, which their
    ``state`` setters take back as they are.
    """
    return _json_ready(rng.bit_generator.state)


def _json_ready(value):
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    return value


def generator_from_state(state):
    """A Generator in the saved ``state`` (read from a model file), or ValueError saying what
    is wrong with it.

    The bit generator's name comes from the file, so it is looked up in ``BIT_GENERATORS``
    only: whatever the file says, nothing but a bit generator's constructor is called.
    """
    expected = (
        'a bit generator state such as {"bit_generator": "PCG64", "state": {...}, ...}, '
        f"naming one of {sorted(BIT_GENERATORS)}"
    )
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if not isinstance(name, str) or name not in BIT_GENERATORS:
        raise ValueError(
            f"the saved rng_state names bit generator {name!r}; the file is corrupted. "
            f"Expected {expected}"
        )
    bit_generator = BIT_GENERATORS[name](0)  # seeded, then overwritten by the saved state
    try:
        bit_generator.state = state
    # numpy's setter meets data from the file, and which exception a malformed state
    # raises varies (KeyError, IndexError, TypeError, ...): every one means a bad file.
    except Exception as error:
        raise ValueError(
            f"cannot restore the saved rng_state ({type(error).__name__}: {error}); the file "
            f"is corrupted. Expected {expected}"
        ) from None
    return np.random.Generator(bit_generator)
