#!/usr/bin/env python3
"""The book's chapter-6 batch-normalisation experiment in NumPy: for each of 16 weight scales
np.logspace(0, -4, 16) two MultiLayerNets 784-100-100-100-100-100-10 (ReLU, weights scale * randn, biases 0),
one with batch normalisation after every hidden affine layer (gamma 1, beta 0, momentum 0.9, eps 1e-6) and
one without, are trained side by side on the first 1,000 training images: SGD lr 0.01, a batch of 100 drawn
with replacement each iteration and used by both nets, the training-set accuracy of both (inference mode:
batch normalisation with its running statistics) at iterations 0, 10, 20, ... (once an epoch), stopping after
the 20th evaluation (191 iterations). 32 nets in all.

float64 by default, as the book runs it (its images are float32, its parameters float64, so every product is
float64; the images are converted once here, which gives the same numbers); --dtype float32 for everything in
float32. The per-epoch accuracies go to stderr as `epoch:k | plain - batch-norm`, the book's line.
`seconds` is the whole experiment (building and training all 32 nets with their evaluations); loading is
timed apart. Prints one JSON object on stdout: the final training accuracy of every net, their means, and
how many scales the batch-normalised net ended ahead.
"""

import argparse
import sys
import time

import numpy as np

import common
from layers import SGD, MultiLayerNet

HIDDEN = [100] * 5


def train_pair(weight_scale, x, t, args, dtype):
    """The book's loop for one weight scale; returns the per-epoch accuracies (plain, batch-normalised)."""
    bn_net = MultiLayerNet(784, HIDDEN, 10, weight_init=weight_scale, dtype=dtype, batch_norm=True)
    net = MultiLayerNet(784, HIDDEN, 10, weight_init=weight_scale, dtype=dtype)
    optimizer = SGD(lr=args.lr)
    train_size = x.shape[0]
    iter_per_epoch = max(train_size / args.batch_size, 1)
    plain_acc, bn_acc = [], []
    i = 0
    while len(plain_acc) < args.epochs:
        batch = np.random.choice(train_size, args.batch_size)
        x_batch, t_batch = x[batch], t[batch]
        for network in (bn_net, net):
            _, grads = network.gradient(x_batch, t_batch)
            optimizer.update(network.params, grads)
        if i % iter_per_epoch == 0:
            plain_acc.append(float(net.accuracy(x, t)))
            bn_acc.append(float(bn_net.accuracy(x, t)))
            print(f"epoch:{len(plain_acc) - 1} | {plain_acc[-1]} - {bn_acc[-1]}", file=sys.stderr)
        i += 1
    return plain_acc, bn_acc, i


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=["fashion-mnist", "mnist"], default="fashion-mnist")
    ap.add_argument("--data-dir", help="directory with the four IDX files (default: $DLFS_DATA_DIR/<dataset>, "
                    "~/.cache/dlfs/<dataset>, /usr/share/datasets/fashion-mnist)")
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                    help="float64: the book's arithmetic (default); float32: everything float32")
    ap.add_argument("--train-size", type=int, default=1000, help="the first N training images (default 1,000)")
    ap.add_argument("--epochs", type=int, default=20, help="evaluations per net (default 20)")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--scales", type=int, default=16,
                    help="run only the first N of the 16 weight scales, for a quick check (default 16)")
    ap.add_argument("--seed", type=int, help="seed of np.random (default: unseeded, as the book)")
    args = ap.parse_args()
    if min(args.train_size, args.epochs, args.batch_size) < 1 or not 1 <= args.scales <= 16:
        common.fail("--train-size, --epochs and --batch-size must be at least 1, --scales 1...16")
    if not args.lr > 0:
        common.fail("--lr must be positive")
    if args.seed is not None:
        np.random.seed(args.seed)
    dtype = np.dtype(args.dtype)

    start = time.perf_counter()
    x_train, train_labels, _, _ = common.load_normalized(args.dataset, args.data_dir)
    if args.train_size > x_train.shape[0] or args.batch_size > args.train_size:
        common.fail(f"--train-size {args.train_size} and --batch-size {args.batch_size} must fit "
                    f"the {x_train.shape[0]} training images")
    x = x_train[:args.train_size].astype(dtype)
    t = common.one_hot(train_labels[:args.train_size], dtype)
    load_seconds = time.perf_counter() - start

    scales = np.logspace(0, -4, num=16)[:args.scales]
    runs = []
    start = time.perf_counter()
    for k, scale in enumerate(scales):
        print(f"============== {k + 1}/{len(scales)} ==============", file=sys.stderr)
        run_start = time.perf_counter()
        plain_acc, bn_acc, iterations = train_pair(scale, x, t, args, dtype)
        runs.append({"weightScale": float(scale), "batchNormTrainAccuracy": bn_acc[-1],
                     "plainTrainAccuracy": plain_acc[-1], "iterations": iterations,
                     "seconds": time.perf_counter() - run_start})
    seconds = time.perf_counter() - start

    bn_final = [r["batchNormTrainAccuracy"] for r in runs]
    plain_final = [r["plainTrainAccuracy"] for r in runs]
    common.emit({
        "workload": "batch-norm-test", "dataset": args.dataset, "dtype": args.dtype,
        "layers": [784, *HIDDEN, 10], "trainSize": args.train_size, "epochs": args.epochs,
        "batchSize": args.batch_size, "learningRate": args.lr, "nets": 2 * len(runs), "seed": args.seed,
        "seconds": seconds, "loadSeconds": load_seconds, "runs": runs,
        "meanTrainAccuracyBatchNorm": float(np.mean(bn_final)),
        "meanTrainAccuracyPlain": float(np.mean(plain_final)),
        "batchNormAhead": sum(b > p for b, p in zip(bn_final, plain_final)),
    })


if __name__ == "__main__":
    main()
