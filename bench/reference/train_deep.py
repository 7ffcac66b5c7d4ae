#!/usr/bin/env python3
"""A deeper net trained as the book's chapter-6 Trainer does, in NumPy: MultiLayerNet 784-100-100-100-100-10
(ReLU, He initialisation: weights sqrt(2 / fan_in) * randn, biases 0), softmax with cross-entropy (with the
book's 1e-7 in the log), Adam lr 0.001 (the book's formula, 1e-7 added to sqrt(v)), mini-batches of 100
drawn with replacement, int(epochs * 60,000 / 100) iterations (3,000 for 5 epochs), full train and test
accuracy once an epoch (at iterations 0, 600, ...: 5 times), printed as `train acc, test acc | a, b` on stderr.

--hidden, --activation, --init, --optimizer, --lr, --epochs (or --iters) change the configuration; all float32
by default, --dtype float64 for everything in float64 (images converted from the book's float32).
The loss recorded each iteration is the one of the step's own forward pass (the book's Trainer runs one more
forward pass after the update for it). The training loop, evaluations included, is timed in this process
(seconds; stepSeconds without the evaluations); loading is timed apart. After the timed loop the test
accuracy is computed once more, as the Trainer's final `test acc` (testAccuracyAfterLoop).
Prints one JSON object on stdout.
"""

import argparse
import sys
import time

import numpy as np

import common
from layers import SGD, Adam, MultiLayerNet


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=["fashion-mnist", "mnist"], default="fashion-mnist")
    ap.add_argument("--data-dir", help="directory with the four IDX files (default: $DLFS_DATA_DIR/<dataset>, "
                    "~/.cache/dlfs/<dataset>, /usr/share/datasets/fashion-mnist)")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--hidden", type=common.hidden_sizes, default=[100, 100, 100, 100],
                    help="hidden widths, comma-separated (default 100,100,100,100)")
    ap.add_argument("--activation", choices=["relu", "sigmoid"], default="relu")
    ap.add_argument("--init", type=common.weight_init, default="he",
                    help="he, xavier or a standard deviation such as 0.01 (default he)")
    ap.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--epochs", type=float, help="iterations = int(epochs * train size / batch size) (default 5)")
    ap.add_argument("--iters", type=int, help="iterations, instead of --epochs")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--seed", type=int, help="seed of np.random (default: unseeded, as the book)")
    args = ap.parse_args()
    if args.iters is not None and args.epochs is not None:
        common.fail("give --iters or --epochs, not both")
    if args.batch_size < 1 or (args.iters is not None and args.iters < 1):
        common.fail("--iters and --batch-size must be at least 1")
    if not args.lr > 0 or (args.epochs is not None and not args.epochs > 0):
        common.fail("--lr and --epochs must be positive")
    if args.seed is not None:
        np.random.seed(args.seed)
    dtype = np.dtype(args.dtype)

    start = time.perf_counter()
    x_train, train_labels, x_test, test_labels = common.load_normalized(args.dataset, args.data_dir)
    if dtype != np.float32:
        x_train, x_test = x_train.astype(dtype), x_test.astype(dtype)
    t_train = common.one_hot(train_labels, dtype)
    t_test = common.one_hot(test_labels, dtype)
    load_seconds = time.perf_counter() - start

    train_size = x_train.shape[0]
    if args.batch_size > train_size:
        common.fail(f"--batch-size {args.batch_size} is larger than the {train_size} training images")
    iter_per_epoch = max(train_size / args.batch_size, 1)
    epochs = 5 if args.epochs is None else args.epochs
    iterations = args.iters if args.iters is not None else max(int(epochs * iter_per_epoch), 1)
    network = MultiLayerNet(784, args.hidden, 10, activation=args.activation, weight_init=args.init, dtype=dtype)
    optimizer = Adam(lr=args.lr) if args.optimizer == "adam" else SGD(lr=args.lr)

    start = time.perf_counter()
    losses = []
    train_acc = test_acc = None
    evaluations = 0
    evaluation_seconds = 0.0
    for i in range(iterations):
        batch_mask = np.random.choice(train_size, args.batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]
        loss, grads = network.gradient(x_batch, t_batch)
        optimizer.update(network.params, grads)
        losses.append(loss)
        if i % iter_per_epoch == 0:
            evaluation_start = time.perf_counter()
            train_acc = network.accuracy(x_train, t_train)
            test_acc = network.accuracy(x_test, t_test)
            evaluation_seconds += time.perf_counter() - evaluation_start
            evaluations += 1
            print(f"train acc, test acc | {train_acc}, {test_acc}", file=sys.stderr)
    seconds = time.perf_counter() - start
    test_after_loop = network.accuracy(x_test, t_test)

    common.emit({
        "workload": "train-deep", "dataset": args.dataset, "dtype": args.dtype,
        "layers": [784, *args.hidden, 10], "activation": args.activation, "init": args.init,
        "optimizer": args.optimizer, "learningRate": args.lr, "iterations": iterations,
        "batchSize": args.batch_size, "evaluations": evaluations, "seed": args.seed,
        "seconds": seconds, "stepSeconds": seconds - evaluation_seconds, "evaluationSeconds": evaluation_seconds,
        "loadSeconds": load_seconds, "trainAccuracy": float(train_acc), "testAccuracy": float(test_acc),
        "testAccuracyAfterLoop": float(test_after_loop), "finalLoss": float(losses[-1]),
    })


if __name__ == "__main__":
    main()
