#!/usr/bin/env python3
"""One numerical gradient of the book's TwoLayerNet 784-50-10 in NumPy: central differences with h = 1e-4
over every one of its 39,760 parameters (79,520 forward passes) on a batch of 100 images, float64
parameters and float32 images as the book runs it. The batch is the first 100 training images.

The gradient is timed in this process; afterwards (untimed) it is checked against the backprop gradient.
Prints one JSON object on stdout.
"""

import argparse
import time

import numpy as np

import common
from net import TwoLayerNet


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=["fashion-mnist", "mnist"], default="fashion-mnist")
    ap.add_argument("--data-dir", help="directory with the four IDX files (default: $DLFS_DATA_DIR/<dataset>, "
                    "~/.cache/dlfs/<dataset>, /usr/share/datasets/fashion-mnist)")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0, help="seed of np.random for the weights (default 0)")
    args = ap.parse_args()
    if args.batch_size < 1:
        common.fail(f"--batch-size must be at least 1, got {args.batch_size}")
    np.random.seed(args.seed)

    start = time.perf_counter()
    try:
        images, labels = common.load_split(common.dataset_dir(args.dataset, args.data_dir), "train")
    except common.DataError as e:
        common.fail(str(e))
    if len(images) < args.batch_size:
        common.fail(f"the training set has {len(images)} images, fewer than --batch-size {args.batch_size}")
    x = images[:args.batch_size].astype(np.float32) / np.float32(255)
    t = common.one_hot(labels[:args.batch_size], np.float64)
    load_seconds = time.perf_counter() - start

    network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    start = time.perf_counter()
    numerical = network.numerical_gradient(x, t)
    seconds = time.perf_counter() - start

    backprop = network.gradient(x, t)
    max_diff = max(float(np.max(np.abs(numerical[k] - backprop[k]))) for k in backprop)
    common.emit({
        "workload": "numgrad", "dataset": args.dataset, "dtype": "float64", "batchSize": args.batch_size,
        "parameters": sum(int(v.size) for v in network.params.values()), "seed": args.seed,
        "seconds": seconds, "loadSeconds": load_seconds, "loss": float(network.loss(x, t)),
        "maxAbsDiffToBackprop": max_diff,
    })


if __name__ == "__main__":
    main()
