"""Writes the seed corpora of the fuzz targets into seeds/<target>/. Run from this directory:

    python3 make_seeds.py      # needs NumPy (for the pickles)

Seeds are small valid files plus a few near misses, so libFuzzer starts inside each format, and small
versions of hostile inputs (memo aliasing, loops of _codecs.encode, many dimensions, many tensors).
The pickle seeds add the DLFSIO test fixtures (copied from Tests/DLFSIOTests/Fixtures).
"""
import collections
import gzip
import json
import os
import pickle
import shutil
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Tests", "DLFSIOTests", "Fixtures")


def write(target, name, data):
    directory = os.path.join(HERE, "seeds", target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def idx(dims, payload):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(payload)


def gz(data):
    return gzip.compress(data, compresslevel=6, mtime=0)


def idx_seeds():
    labels = idx([5], [7, 2, 1, 0, 4])
    images = idx([2, 3, 2], range(12))
    write("FuzzIDX", "labels.idx", labels)
    write("FuzzIDX", "images.idx", images)
    write("FuzzIDX", "empty_images.idx", idx([0, 28, 28], []))
    write("FuzzIDX", "labels.idx.gz", gz(labels))
    write("FuzzIDX", "images.idx.gz", gz(images))
    write("FuzzIDX", "two_members.idx.gz", gz(images[:10]) + gz(images[10:]))
    write("FuzzIDX", "float_type.idx", bytes([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0x80, 0x3F]))


def gzip_seeds():
    write("FuzzGzip", "text.gz", gz(b"hello, fuzzer\n" * 4))
    write("FuzzGzip", "empty.gz", gz(b""))
    write("FuzzGzip", "zeros.gz", gz(bytes(4096)))
    write("FuzzGzip", "two_members.gz", gz(b"first\n") + gz(b"second\n"))
    write("FuzzGzip", "stored.gz", gzip.compress(bytes(range(64)), compresslevel=0, mtime=0))
    write("FuzzGzip", "idx.gz", gz(idx([3], [1, 2, 3])))


def pickle_seeds():
    for name in sorted(os.listdir(FIXTURES)):
        if name.endswith(".pkl"):
            shutil.copy(os.path.join(FIXTURES, name), os.path.join(HERE, "seeds", "FuzzPickle", name))
    small = {"W": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.zeros(3, dtype=np.float64),
             "t": np.array([3, 1], dtype=np.uint8)}
    for protocol in (2, 3, 4, 5):
        write("FuzzPickle", f"small_p{protocol}.pkl", pickle.dumps(small, protocol=protocol))
    write("FuzzPickle", "ordered_p4.pkl", pickle.dumps(collections.OrderedDict(small), protocol=4))
    write("FuzzPickle", "fortran_p2.pkl", pickle.dumps({"F": np.asfortranarray(np.ones((2, 2), ">f4"))}, protocol=2))
    write("FuzzPickle", "not_a_dict.pkl", pickle.dumps([1, 2.5, "x", b"y", None, True, (1, 2, 3)], protocol=4))
    # Regression: a dict put inside itself through the memo (a leaked reference cycle before the fix).
    write("FuzzPickle", "regression_dict_in_itself.pkl", bytes([0x80, 2, 0x7D, 0x94, 0x68, 0, 0x68, 0, 0x73, 0x2E]))


def binunicode(text):
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def hostile_pickle_seeds():
    """Small versions of the inputs of issue 19 (the real ones are megabytes; tests build those)."""
    # One array under many keys through the memo (valid: Python loads it, sharing the array).
    shared = np.zeros(256, dtype=np.float32)
    write("FuzzPickle", "memo_aliasing.pkl", pickle.dumps({f"k{i}": shared for i in range(64)}, protocol=2))
    # _codecs.encode called again and again on one memoised string, each result kept on the stack.
    call = b"h\x01h\x00" + binunicode("latin1") + b"\x86R"
    write("FuzzPickle", "codecs_loop.pkl", b"\x80\x02" + binunicode("a" * 1024) + b"q\x00c_codecs\nencode\nq\x01"
          + b"0(" + call * 32 + b"1}.")
    write("FuzzPickle", "memoize_run.pkl", b"\x80\x04N" + b"\x94" * 4096 + b"0}.")
    # A Fortran-order array with a shape of many dimensions of length 1.
    shape = b"(" + b"K\x01" * 1000 + b"t"
    write("FuzzPickle", "fortran_many_dims.pkl",
          b"\x80\x02}X\x01\x00\x00\x00Fcnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R"
          + b"(K\x01" + shape + b"cnumpy\ndtype\nX\x02\x00\x00\x00f4\x89\x88\x87R"
          + b"(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x88C\x04\x00\x00\x00\x00tbs.")
    write("FuzzPickle", "empty_array_p2.pkl", pickle.dumps({"e": np.zeros(0, np.float32)}, protocol=2))


def hostile_safetensors_seeds():
    zero = [(f"t{i:05d}", "F32", [0], b"") for i in range(100)]
    write("FuzzSafeTensors", "many_zero_size.safetensors", safetensors(zero))
    # Two tensors on the same bytes: refused, and before their bytes are copied.
    text = json.dumps({name: {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]} for name in "ab"},
                      separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    write("FuzzSafeTensors", "overlapping.safetensors", struct.pack("<Q", len(text)) + text + bytes(16))


def safetensors(entries, metadata=None):
    """entries: (name, dtype, shape, raw bytes), laid out in that order."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def safetensors_seeds():
    shutil.copy(os.path.join(FIXTURES, "python_written.safetensors"),
                os.path.join(HERE, "seeds", "FuzzSafeTensors", "python_written.safetensors"))
    f32 = np.arange(6, dtype="<f4").tobytes()
    write("FuzzSafeTensors", "one.safetensors", safetensors([("w", "F32", [2, 3], f32)]))
    write("FuzzSafeTensors", "metadata.safetensors",
          safetensors([("b", "F64", [2], np.array([1.5, -2], "<f8").tobytes()), ("u", "U8", [3], b"\x01\x02\x03")],
                      metadata={"format": "pt", "note": "a\"b\\c\u00e9"}))
    write("FuzzSafeTensors", "ints.safetensors",
          safetensors([("i", "I64", [1], struct.pack("<q", -5)), ("j", "I32", [2, 1], struct.pack("<ii", 1, 2)),
                       ("s", "F32", [], struct.pack("<f", 0.5)), ("z", "F32", [0, 4], b"")]))
    write("FuzzSafeTensors", "empty.safetensors", safetensors([]))


if __name__ == "__main__":
    shutil.rmtree(os.path.join(HERE, "seeds"), ignore_errors=True)
    os.makedirs(os.path.join(HERE, "seeds", "FuzzPickle"))
    os.makedirs(os.path.join(HERE, "seeds", "FuzzSafeTensors"))
    idx_seeds()
    gzip_seeds()
    pickle_seeds()
    safetensors_seeds()
    hostile_pickle_seeds()
    hostile_safetensors_seeds()
