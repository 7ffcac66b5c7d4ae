#!/usr/bin/env python3
"""The book's training run in NumPy: TwoLayerNet 784-50-10 (sigmoid, softmax with cross-entropy), weights
0.01 * randn, biases 0, SGD lr 0.1, mini-batches of 100 drawn with replacement, 10,000 iterations, the
loss of each batch recorded and both full accuracies evaluated once an epoch (17 times for 60,000 images),
printed as `train acc, test acc | a, b` on stderr.

--dtype float64 is the book as it runs: images normalised to float32 by load_mnist, weights and one-hot
labels float64, so every product is computed in float64. --dtype float32 keeps everything in float32.
The training loop, evaluations included, is timed in this process (seconds; stepSeconds without the
evaluations); loading is timed apart.
Prints one JSON object on stdout.
"""

import argparse
import sys
import time

import numpy as np

import common
from net import TwoLayerNet


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=["fashion-mnist", "mnist"], default="fashion-mnist")
    ap.add_argument("--data-dir", help="directory with the four IDX files (default: $DLFS_DATA_DIR/<dataset>, "
                    "~/.cache/dlfs/<dataset>, /usr/share/datasets/fashion-mnist)")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float64",
                    help="float64: the book (float32 images, float64 parameters); float32: all float32")
    ap.add_argument("--iters", type=int, default=10000)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--hidden", type=int, default=50)
    ap.add_argument("--seed", type=int, help="seed of np.random (default: unseeded, as the book)")
    args = ap.parse_args()
    if args.iters < 1 or args.batch_size < 1 or args.hidden < 1:
        common.fail("--iters, --batch-size and --hidden must be at least 1")
    if args.seed is not None:
        np.random.seed(args.seed)
    dtype = np.dtype(args.dtype)

    start = time.perf_counter()
    x_train, train_labels, x_test, test_labels = common.load_normalized(args.dataset, args.data_dir)
    t_train = common.one_hot(train_labels, dtype)
    t_test = common.one_hot(test_labels, dtype)
    load_seconds = time.perf_counter() - start

    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size / args.batch_size, 1)
    network = TwoLayerNet(input_size=784, hidden_size=args.hidden, output_size=10, dtype=dtype)
    lr = dtype.type(args.lr)

    start = time.perf_counter()
    losses = []
    train_acc = test_acc = None
    evaluation_seconds = 0.0
    for i in range(args.iters):
        batch_mask = np.random.choice(train_size, args.batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]
        grad = network.gradient(x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= lr * grad[key]
        losses.append(network.loss(x_batch, t_batch))
        if i % iter_per_epoch == 0:
            evaluation_start = time.perf_counter()
            train_acc = network.accuracy(x_train, t_train)
            test_acc = network.accuracy(x_test, t_test)
            evaluation_seconds += time.perf_counter() - evaluation_start
            print(f"train acc, test acc | {train_acc}, {test_acc}", file=sys.stderr)
    seconds = time.perf_counter() - start

    common.emit({
        "workload": "train", "dataset": args.dataset, "dtype": args.dtype,
        "parameterDtype": str(network.params["W1"].dtype), "iterations": args.iters,
        "batchSize": args.batch_size, "seed": args.seed,
        "seconds": seconds, "stepSeconds": seconds - evaluation_seconds, "evaluationSeconds": evaluation_seconds,
        "loadSeconds": load_seconds, "trainAccuracy": float(train_acc), "testAccuracy": float(test_acc),
        "finalLoss": float(losses[-1]),
    })


if __name__ == "__main__":
    main()
