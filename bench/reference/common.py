"""Shared pieces of the NumPy reference programs: IDX reading, dataset lookup, the book's functions,
and the one JSON line each program prints at the end.

Written for the DLFS benchmarks from the IDX format description and the book's algorithms.
"""

import argparse
import gzip
import json
import os
import resource
import sys
from pathlib import Path

import numpy as np

# The package root is two levels above this file (bench/reference/common.py); the shared data sits beside it.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = PACKAGE_ROOT.parent / "shared" / "data"

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# IDX type codes (third byte of the magic) this reader accepts: only unsigned bytes occur in (Fashion-)MNIST.
IDX_UBYTE = 0x08


class DataError(Exception):
    """A data file is missing or malformed; the message names the file and the problem."""


def fail(message):
    """Print one `error: …` line on stderr and exit non-zero, as the dlfs CLI does."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def read_idx(path):
    """Read an IDX file (gzip-compressed when its name ends in .gz) into a uint8 array of its shape."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                raw = f.read()
        else:
            raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, EOFError) as e:
        raise DataError(f"{path}: cannot read: {e}") from None
    if len(raw) < 4:
        raise DataError(f"{path}: {len(raw)} bytes, too short for an IDX header")
    if raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{path}: not an IDX file (magic {raw[:4].hex()}, expected 0000 then type and rank)")
    if raw[2] != IDX_UBYTE:
        raise DataError(f"{path}: IDX element type 0x{raw[2]:02x}, only unsigned bytes (0x08) are supported")
    rank = raw[3]
    header = 4 + 4 * rank
    if rank == 0 or len(raw) < header:
        raise DataError(f"{path}: IDX rank {rank} with a {len(raw)}-byte file")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank))
    count = 1
    for d in shape:
        count *= d
    if len(raw) - header != count:
        raise DataError(f"{path}: header says shape {shape} ({count} bytes of data), "
                        f"file holds {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def find_idx(directory, key):
    """The path of one of the four IDX files in `directory`, gzip-compressed or not."""
    base = Path(directory) / IDX_FILES[key]
    for candidate in (base.with_name(base.name + ".gz"), base):
        if candidate.exists():
            return candidate
    raise DataError(f"{directory}: neither {base.name}.gz nor {base.name} is there")


def load_split(directory, split):
    """Images (N, 784) uint8 and labels (N,) uint8 of the `train` or `test` split."""
    images = read_idx(find_idx(directory, f"{split}_images"))
    labels = read_idx(find_idx(directory, f"{split}_labels"))
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DataError(f"{directory}: {split} images have shape {images.shape}, expected (N, 28, 28)")
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise DataError(f"{directory}: {images.shape[0]} {split} images but labels of shape {labels.shape}")
    if labels.size and labels.max() > 9:
        raise DataError(f"{directory}: {split} label {labels.max()} is outside 0...9")
    return images.reshape(images.shape[0], 784), labels


def dataset_dir(dataset, given):
    """The directory of `dataset`: --data-dir, $DLFS_DATA_DIR/<dataset>, the dlfs cache, the system location."""
    if given:
        return Path(given)
    candidates = []
    if os.environ.get("DLFS_DATA_DIR"):
        candidates.append(Path(os.environ["DLFS_DATA_DIR"]) / dataset)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    candidates.append(cache / "dlfs" / dataset)
    if dataset == "fashion-mnist":
        candidates.append(Path("/usr/share/datasets/fashion-mnist"))
    for c in candidates:
        if (c / (IDX_FILES["test_images"] + ".gz")).exists() or (c / IDX_FILES["test_images"]).exists():
            return c
    raise DataError(f"{dataset} not found; looked in " + ", ".join(str(c) for c in candidates)
                    + " (give --data-dir; Fashion-MNIST: apt-get install dataset-fashion-mnist)")


def load_normalized(dataset, data_dir):
    """Both splits of `dataset` as the book's load_mnist(normalize=True) gives them: images (N, 784) float32
    in [0, 1] (converted before dividing, whatever the parameters' type) and labels (N,) uint8.
    Exits with an `error:` line when the data cannot be read."""
    try:
        directory = dataset_dir(dataset, data_dir)
        train_images, train_labels = load_split(directory, "train")
        test_images, test_labels = load_split(directory, "test")
    except DataError as e:
        fail(str(e))
    x_train = train_images.astype(np.float32)
    x_train /= 255.0
    x_test = test_images.astype(np.float32)
    x_test /= 255.0
    return x_train, train_labels, x_test, test_labels


def one_hot(labels, dtype):
    """(N,) labels as an (N, 10) one-hot matrix, as the book's load_mnist(one_hot_label=True)."""
    t = np.zeros((labels.shape[0], 10), dtype=dtype)
    t[np.arange(labels.shape[0]), labels] = 1
    return t


# The book's functions (chapter 3 and 4), batch-aware.

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(a):
    """Row-wise softmax of a (N, C) or (C,) array, shifted by the row maximum against overflow."""
    shifted = a - np.max(a, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    """Mean over the batch of -sum(t log(y + 1e-7)), t one-hot (N, C)."""
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = t.reshape(1, -1)
    return -np.sum(t * np.log(y + 1e-7)) / y.shape[0]


def hidden_sizes(text):
    """`--hidden` as a list of layer widths: `50` or `100,100,100,100` (argparse type)."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"'{text}': give one or more positive widths separated by commas")
    return sizes


def weight_init(text):
    """`--init`: `he` (or `relu`), `xavier` (or `sigmoid`), or a standard deviation (`0.01`, `std:0.01`),
    the choices of the book's MultiLayerNet; returned as `he`, `xavier` or a positive float (argparse type)."""
    lowered = text.lower()
    if lowered in ("he", "relu"):
        return "he"
    if lowered in ("xavier", "sigmoid"):
        return "xavier"
    try:
        sigma = float(lowered[4:] if lowered.startswith("std:") else lowered)
    except ValueError:
        sigma = float("nan")
    if not (sigma > 0 and sigma != float("inf")):
        raise argparse.ArgumentTypeError(f"'{text}': give he, xavier or a positive standard deviation")
    return sigma


def weight_scale(init, fan_in):
    """The standard deviation of a layer's weights for `weight_init`'s value: sqrt(2/n) He, sqrt(1/n) Xavier."""
    if init == "he":
        return (2.0 / fan_in) ** 0.5
    if init == "xavier":
        return (1.0 / fan_in) ** 0.5
    return init


def thread_info():
    """CPU count, the BLAS NumPy was built with, and how many threads it runs (when the library says)."""
    info = {"cpuCount": os.cpu_count()}
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # older NumPy: show_config has no dict mode; the rest is still useful
        info["blas"] = "unknown"
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var):
            info[var] = os.environ[var]
    n = openblas_threads()
    if n is not None:
        info["blasThreads"] = n
    return info


def openblas_threads():
    """Ask the OpenBLAS loaded into this process for its thread count; None when it cannot be found."""
    import ctypes
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line}
    except OSError:
        return None
    for lib in sorted(libs):
        try:
            handle = ctypes.CDLL(lib)
        except OSError:
            continue
        for symbol in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                       "openblas_get_num_threads"):
            fn = getattr(handle, symbol, None)
            if fn is not None:
                fn.restype = ctypes.c_int
                return int(fn())
    return None


def peak_rss_mib():
    """Peak resident set size of this process in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(result, threads=None):
    """Print the one JSON object of the run on stdout, with peak memory and thread figures added
    (`threads`, when given, instead of NumPy's BLAS figures)."""
    result["peakRSSMiB"] = round(peak_rss_mib(), 1)
    result["threads"] = thread_info() if threads is None else threads
    result["numpy"] = np.__version__
    print(json.dumps(result))
