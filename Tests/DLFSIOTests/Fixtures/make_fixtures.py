"""Writes the pickle and safetensors fixtures of DLFSIOTests. Run once from this directory:

    python3 make_fixtures.py        # NumPy 2, safetensors (pip install numpy safetensors)

The same arrays are pickled in every style DLFS must read: NumPy 1 (`numpy.core.*`) and NumPy 2
(`numpy._core.*`) global names, protocols 2, 4 and 5 (protocol 5 goes through `_frombuffer` with an in-band
buffer), Python 2 strings (BINSTRING), a plain dict and an OrderedDict. The hostile pickles name globals
that would run code if unpickled by Python; DLFS must refuse them.
"""
import collections
import io
import os
import pickle
import types

import numpy as np
import safetensors.numpy

ARRAYS = {
    "f32": (np.arange(6, dtype=np.float32).reshape(2, 3) * np.float32(0.5) - np.float32(1)),
    "f64": np.array([np.pi, -np.e, 1e300], dtype=np.float64),
    "u8": np.array([[0, 1], [254, 255]], dtype=np.uint8),
    "i32": np.array([-2147483648, 0, 2147483647], dtype=np.int32),
    "i64": np.array([-9223372036854775808, 9223372036854775807], dtype=np.int64),
    "fortran": np.asfortranarray(np.arange(12, dtype=np.float32).reshape(2, 3, 2)),
    "big_f8": np.array([[1.5, -2.25], [3e-300, 4.0]], dtype=">f8"),
    "big_i4": np.array([1, -2, 3], dtype=">i4"),
    "scalar": np.array(7.25, dtype=np.float64),
}
assert ARRAYS["fortran"].flags.f_contiguous and not ARRAYS["fortran"].flags.c_contiguous

NUMPY1 = {"numpy._core.multiarray": "numpy.core.multiarray", "numpy._core.numeric": "numpy.core.numeric"}


class StylePickler(pickle._Pickler):
    """The pure-Python pickler, with global module names renamed and, for `legacy`, bytes and str written
    as Python 2 `str` (BINSTRING), as Python 2 wrote NumPy arrays."""

    def __init__(self, file, protocol, renames=None, legacy=False):
        super().__init__(file, protocol)
        self.renames = renames or {}
        # The dispatch table holds the base class's functions; route Python functions (`_frombuffer`)
        # through the renaming `save_global` too.
        self.dispatch = dict(pickle._Pickler.dispatch)
        self.dispatch[types.FunctionType] = StylePickler.save_global
        if legacy:
            self.dispatch[bytes] = StylePickler.save_legacy
            self.dispatch[str] = StylePickler.save_legacy

    def save_global(self, obj, name=None):
        name = name or obj.__qualname__
        module = pickle.whichmodule(obj, name)
        module = self.renames.get(module, module)
        if self.proto >= 4:
            self.save(module)
            self.save(name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode("ascii"))
        self.memoize(obj)

    def save_legacy(self, obj):
        data = obj.encode("latin-1") if isinstance(obj, str) else obj
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + len(data).to_bytes(4, "little") + data)
        self.memoize(obj)


def dump(name, obj, protocol, renames=None, legacy=False):
    buffer = io.BytesIO()
    StylePickler(buffer, protocol, renames, legacy).dump(obj)
    data = buffer.getvalue()
    assert (b">" in data) and (b"_reconstruct" in data or b"_frombuffer" in data)
    # Python itself must read it back to the same arrays.
    # Python itself must read it back to the same arrays (NumPy 2 loads big-endian data as native).
    back = pickle.loads(data, encoding="latin1")
    for key, value in obj.items():
        assert np.array_equal(back[key], value) and back[key].dtype.newbyteorder("=") == value.dtype.newbyteorder("="), (name, key)
    with open(name, "wb") as f:
        f.write(data)


for protocol in (2, 4, 5):
    dump(f"arrays_np2_p{protocol}.pkl", dict(ARRAYS), protocol)
    dump(f"arrays_np1_p{protocol}.pkl", dict(ARRAYS), protocol, NUMPY1)
dump("arrays_ordered_p2.pkl", collections.OrderedDict(ARRAYS), 2)
dump("arrays_py2.pkl", dict(ARRAYS), 2, NUMPY1, legacy=True)


class Call:
    """Unpickling this calls `function(*arguments)`: what a malicious pickle does."""

    def __init__(self, function, *arguments):
        self.function, self.arguments = function, arguments

    def __reduce__(self):
        return self.function, self.arguments


with open("hostile_posix_system.pkl", "wb") as f:
    f.write(pickle.dumps({"W1": Call(os.system, "echo pwned")}, protocol=2))
with open("hostile_eval_stack_global.pkl", "wb") as f:
    f.write(pickle.dumps(Call(eval, "print('pwned')"), protocol=4))
# `os.system` as Python 2 on Linux would name it, by hand: GLOBAL 'os system', REDUCE.
with open("hostile_os_system.pkl", "wb") as f:
    f.write(b"\x80\x02cos\nsystem\nX\x0a\x00\x00\x00echo pwned\x85R.")

safetensors.numpy.save_file(
    {name: np.ascontiguousarray(ARRAYS[name]) for name in ("f32", "f64", "u8", "i32", "i64")},
    "python_written.safetensors", metadata={"format": "np"})

# Arrays DLFS must refuse with a clear error: a complex dtype, and a dict holding something else.
with open("unsupported_complex.pkl", "wb") as f:
    f.write(pickle.dumps({"z": np.array([1 + 2j], dtype=np.complex64)}, protocol=2))

# NumPy's own protocol-2 pickle of empty arrays: Python 3 writes empty bytes as __builtin__.bytes().
with open("empty_arrays_p2.pkl", "wb") as f:
    f.write(pickle.dumps({"e": np.zeros(0, np.float32), "m": np.zeros((0, 3), np.float64)}, protocol=2))
