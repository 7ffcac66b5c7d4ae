#!/usr/bin/env python3
"""Chapter-3 inference in NumPy: the book's sample_weight.pkl (784-50-100-10, sigmoid, sigmoid, softmax)
over the 10,000 MNIST test images, normalised to [0, 1] float32 as the book's load_mnist does.

Times one image at a time (batch 1) and batches of --batch-size in this process; loading is timed apart.
Prints one JSON object on stdout.
"""

import argparse
import pickle
import sys
import time

import numpy as np

import common

WEIGHT_SHAPES = {"W1": (784, 50), "b1": (50,), "W2": (50, 100), "b2": (100,), "W3": (100, 10), "b3": (10,)}


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays only: a weight file must not be able to run code."""
    ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"),
               ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a weight file")
        if module == "numpy.core.multiarray":  # NumPy 2 moved it; the old path warns when imported
            module = "numpy._core.multiarray" if hasattr(np, "_core") else module
        return super().find_class(module, name)


def load_weights(path):
    """The six arrays of the book's pickle, checked for names and shapes."""
    try:
        with open(path, "rb") as f:
            params = _ArrayUnpickler(f).load()
    except FileNotFoundError:
        raise common.DataError(f"{path}: no such file") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as e:
        raise common.DataError(f"{path}: not a weight pickle: {e}") from None
    if not isinstance(params, dict):
        raise common.DataError(f"{path}: holds a {type(params).__name__}, expected a dict of arrays")
    for name, shape in WEIGHT_SHAPES.items():
        a = params.get(name)
        if not isinstance(a, np.ndarray):
            raise common.DataError(f"{path}: no array named {name}")
        if a.shape != shape:
            raise common.DataError(f"{path}: {name} has shape {a.shape}, expected {shape}")
    return {name: params[name] for name in WEIGHT_SHAPES}


def predict(p, x):
    """x is (N, 784) or (784,); returns class probabilities (N, 10) or (10,)."""
    a1 = x @ p["W1"] + p["b1"]
    z1 = common.sigmoid(a1)
    a2 = z1 @ p["W2"] + p["b2"]
    z2 = common.sigmoid(a2)
    a3 = z2 @ p["W3"] + p["b3"]
    return common.softmax(a3)


def run(p, x, t, batch_size):
    """Number of correct predictions over x in batches of batch_size (1: one vector at a time, as the book)."""
    correct = 0
    if batch_size == 1:
        for i in range(len(x)):
            y = predict(p, x[i])
            if np.argmax(y) == t[i]:
                correct += 1
    else:
        for i in range(0, len(x), batch_size):
            y = predict(p, x[i:i + batch_size])
            correct += int(np.sum(np.argmax(y, axis=1) == t[i:i + batch_size]))
    return correct


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=str(common.SHARED_DATA / "mnist"),
                    help="directory with the MNIST t10k IDX files (default ../shared/data/mnist)")
    ap.add_argument("--weights", default=str(common.SHARED_DATA / "book" / "sample_weight.pkl"),
                    help="the book's sample_weight.pkl (default ../shared/data/book/sample_weight.pkl)")
    ap.add_argument("--batch-size", type=int, default=100, help="batch size of the batched run (default 100)")
    args = ap.parse_args()
    if args.batch_size < 1:
        common.fail(f"--batch-size must be at least 1, got {args.batch_size}")

    start = time.perf_counter()
    try:
        params = load_weights(args.weights)
        images, labels = common.load_split(args.data_dir, "test")
    except common.DataError as e:
        common.fail(str(e))
    x = images.astype(np.float32)
    x /= 255.0
    load_seconds = time.perf_counter() - start

    start = time.perf_counter()
    correct = run(params, x, labels, args.batch_size)
    batch_seconds = time.perf_counter() - start

    result = {"workload": "infer", "dtype": str(params["W1"].dtype), "batchSize": args.batch_size,
              "images": len(x), "seconds": batch_seconds, "batchSeconds": batch_seconds}
    if args.batch_size != 1:
        start = time.perf_counter()
        single_correct = run(params, x, labels, 1)
        result["singleSeconds"] = time.perf_counter() - start
        if single_correct != correct:
            common.fail(f"batch 1 found {single_correct} correct, batch {args.batch_size} {correct}")
    else:
        result["singleSeconds"] = batch_seconds
    result.update({"loadSeconds": load_seconds, "correctCount": correct, "accuracy": correct / len(x)})
    print(f"Accuracy:{correct / len(x)}", file=sys.stderr)
    common.emit(result)


if __name__ == "__main__":
    main()
