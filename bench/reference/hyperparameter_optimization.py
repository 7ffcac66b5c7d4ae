#!/usr/bin/env python3
"""The book's chapter-6 random search of the learning rate and the weight decay, in NumPy.

The first 500 training images are shuffled (np.random.permutation) and the first 20 % of the shuffled set
(100 images) held out for validation, the other 400 trained on. Each of 100 trials draws
weight decay = 10 ** uniform(-8, -4), then lr = 10 ** uniform(-6, -2), and trains a fresh MultiLayerNet
784-100-100-100-100-100-100-10 (ReLU, He initialisation: weights sqrt(2 / fan_in) * randn, biases 0; loss
plus lambda/2 * sum(W^2), lambda * W in each weight gradient) as the book's Trainer does: SGD, batches of 100
drawn with replacement, int(50 epochs * 400 / 100) = 200 iterations, the accuracy on the 400 training and the
100 validation images at iterations 0, 4, 8, ... (50 times), and once more on the validation set after the
loop. A trial's result is its last in-loop validation accuracy (the book's `val_acc_list[-1]`); the trials
are ranked by it, ties in drawing order.

The Trainer records the loss of each batch with one more forward pass after the update; no result depends
on it, so it is skipped unless --book-loss-pass (DLFS's trainer keeps the loss of the step's own forward
pass instead). float64 by default, as the book runs it (float32 images, float64 parameters; the images are
converted once here, which gives the same numbers); --dtype float32 for everything in float32.
Each trial's line goes to stderr as the book prints it. `seconds` is the whole search (all trials with
their evaluations); loading and the split are timed apart. Prints one JSON object on stdout.
"""

import argparse
import sys
import time

import numpy as np

import common
from layers import SGD, MultiLayerNet

HIDDEN = [100] * 6


def trainer(network, x_train, t_train, x_val, t_val, lr, epochs, batch_size, book_loss_pass):
    """The book's Trainer with SGD; returns the per-epoch training and validation accuracies."""
    optimizer = SGD(lr=lr)
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size / batch_size, 1)
    train_acc, val_acc = [], []
    for i in range(int(epochs * iter_per_epoch)):
        batch = np.random.choice(train_size, batch_size)
        x_batch, t_batch = x_train[batch], t_train[batch]
        _, grads = network.gradient(x_batch, t_batch)
        optimizer.update(network.params, grads)
        if book_loss_pass:
            network.loss(x_batch, t_batch)
        if i % iter_per_epoch == 0:
            train_acc.append(float(network.accuracy(x_train, t_train)))
            val_acc.append(float(network.accuracy(x_val, t_val)))
    network.accuracy(x_val, t_val)  # the Trainer's final `test acc`, here on the validation set
    return train_acc, val_acc


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=["fashion-mnist", "mnist"], default="fashion-mnist")
    ap.add_argument("--data-dir", help="directory with the four IDX files (default: $DLFS_DATA_DIR/<dataset>, "
                    "~/.cache/dlfs/<dataset>, /usr/share/datasets/fashion-mnist)")
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                    help="float64: the book's arithmetic (default); float32: everything float32")
    ap.add_argument("--train-size", type=int, default=500, help="the first N training images (default 500)")
    ap.add_argument("--validation-rate", type=float, default=0.2)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--epochs", type=float, default=50)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--top", type=int, default=5, help="how many of the best trials the JSON lists (default 5)")
    ap.add_argument("--book-loss-pass", action="store_true",
                    help="run the Trainer's extra forward pass for the recorded loss after each update")
    ap.add_argument("--seed", type=int, help="seed of np.random (default: unseeded, as the book)")
    args = ap.parse_args()
    if min(args.train_size, args.trials, args.batch_size, args.top) < 1 or not args.epochs > 0:
        common.fail("--train-size, --trials, --batch-size, --top and --epochs must be positive")
    if args.seed is not None:
        np.random.seed(args.seed)
    dtype = np.dtype(args.dtype)

    start = time.perf_counter()
    x_all, labels_all, _, _ = common.load_normalized(args.dataset, args.data_dir)
    if args.train_size > x_all.shape[0]:
        common.fail(f"--train-size {args.train_size} is more than the {x_all.shape[0]} training images")
    validation_count = int(args.train_size * args.validation_rate)
    if not 1 <= validation_count < args.train_size or args.batch_size > args.train_size - validation_count:
        common.fail("--validation-rate must leave at least one validation and --batch-size training images")
    permutation = np.random.permutation(args.train_size)  # the book's shuffle_dataset
    x = x_all[:args.train_size][permutation].astype(dtype)
    t = common.one_hot(labels_all[:args.train_size][permutation], dtype)
    x_val, t_val = x[:validation_count], t[:validation_count]
    x_train, t_train = x[validation_count:], t[validation_count:]
    load_seconds = time.perf_counter() - start

    trials = []
    start = time.perf_counter()
    for _ in range(args.trials):
        weight_decay = 10 ** np.random.uniform(-8, -4)
        lr = 10 ** np.random.uniform(-6, -2)
        network = MultiLayerNet(784, HIDDEN, 10, activation="relu", weight_init="he", dtype=dtype,
                                weight_decay=weight_decay)
        train_acc, val_acc = trainer(network, x_train, t_train, x_val, t_val, lr, args.epochs,
                                     args.batch_size, args.book_loss_pass)
        print(f"val acc:{val_acc[-1]} | lr:{lr}, weight decay:{weight_decay}", file=sys.stderr)
        trials.append({"validationAccuracy": val_acc[-1], "trainAccuracy": train_acc[-1],
                       "learningRate": float(lr), "weightDecay": float(weight_decay)})
    seconds = time.perf_counter() - start

    ranked = sorted(trials, key=lambda trial: trial["validationAccuracy"], reverse=True)
    for k, trial in enumerate(ranked[:args.top]):
        print(f"Best-{k + 1}(val acc:{trial['validationAccuracy']}) | lr:{trial['learningRate']}, "
              f"weight decay:{trial['weightDecay']}", file=sys.stderr)
    val = [trial["validationAccuracy"] for trial in trials]
    common.emit({
        "workload": "hyperparameter-optimization", "dataset": args.dataset, "dtype": args.dtype,
        "layers": [784, *HIDDEN, 10], "trainSize": x_train.shape[0], "validationSize": validation_count,
        "trials": args.trials, "epochs": args.epochs, "batchSize": args.batch_size,
        "iterationsPerTrial": int(args.epochs * max(x_train.shape[0] / args.batch_size, 1)),
        "bookLossPass": args.book_loss_pass, "seed": args.seed,
        "seconds": seconds, "loadSeconds": load_seconds,
        "bestValidationAccuracy": ranked[0]["validationAccuracy"],
        "meanValidationAccuracy": float(np.mean(val)), "top": ranked[:args.top],
        "validationAccuracies": val,
    })


if __name__ == "__main__":
    main()
