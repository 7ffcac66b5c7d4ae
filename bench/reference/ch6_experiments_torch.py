#!/usr/bin/env python3
"""The book's two chapter-6 experiments in PyTorch (CPU), written as PyTorch is ordinarily used: nn.Sequential
of nn.Linear, nn.BatchNorm1d and nn.ReLU, nn.CrossEntropyLoss, torch.optim.SGD. The configurations are those
of batch_norm_test.py and hyperparameter_optimization.py beside this file, which print the same JSON keys:

    ch6_experiments_torch.py batch-norm-test [--threads N]
        16 weight scales logspace(0, -4, 16); for each, 784-100x5-10 ReLU nets with and without
        nn.BatchNorm1d(eps=1e-6, momentum=0.1) after each hidden Linear, weights scale * randn, biases 0,
        trained side by side on the first 1,000 training images: SGD lr 0.01, the same batch of 100 (drawn
        with replacement) for both, training-set accuracy in eval mode every 10 iterations, 20 times.
    ch6_experiments_torch.py hyperparameter-optimization [--threads N]
        the first 500 training images shuffled (torch.randperm), 100 held out for validation; 100 trials of
        weight decay 10 ** U(-8, -4), lr 10 ** U(-6, -2), each a 784-100x6-10 ReLU net with He initialisation
        (sqrt(2 / fan_in) * randn for every layer, biases 0) trained 200 iterations (50 epochs of 400 images)
        with SGD, batches of 100 drawn with replacement, train and validation accuracy every 4 iterations.

Where PyTorch's ordinary way differs from the book's (the NumPy programs):
- Momentum: PyTorch's BatchNorm1d momentum is the weight of the new batch, so momentum=0.1 is the book's 0.9.
- BatchNorm1d's running variance starts at 1 (the book's at 0) and is updated with the unbiased batch variance
  (times n/(n-1) = 100/99); normalisation in training uses the biased one, as the book's. Both touch only
  the eval-mode accuracies, and the first differs only in the first epochs (0.9^k of the start remains).
- Weight decay is the optimizer's weight_decay, given to the weight matrices only (two parameter groups), so
  each weight gradient gains lambda * W and the biases none, the book's gradient; the loss does not include
  lambda/2 * sum(W^2) (nothing here reports it).
- nn.CrossEntropyLoss (log-softmax, no 1e-7 in the log): the same gradient as the book's SoftmaxWithLoss.
- Labels are class indices; batches come from torch.randint, trial draws and the shuffle from torch's generator.
- The Trainer's extra forward pass after each update (for the recorded loss) is not made.

float32 by default (--dtype float64 for everything in float64). `seconds` is the whole experiment (building
and training every net with its evaluations); loading, with the conversion to tensors, is timed apart.
--threads sets torch.set_num_threads (default: PyTorch's own choice, one per core). Prints one JSON object.
"""

import argparse
import os
import sys
import time

import numpy as np
import torch
from torch import nn

import common


def stack(sizes, init, batch_norm=False):
    """Linear layers of the given widths, each hidden one followed by BatchNorm1d (when asked) and ReLU."""
    layers = []
    for n, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        linear = nn.Linear(fan_in, fan_out)
        nn.init.normal_(linear.weight, mean=0.0, std=common.weight_scale(init, fan_in))
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if n < len(sizes) - 2:
            if batch_norm:
                layers.append(nn.BatchNorm1d(fan_out, eps=1e-6, momentum=0.1))
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def sgd_step(model, optimizer, loss_fn, x, y):
    model.train()
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


@torch.inference_mode()
def accuracy(model, x, labels):
    """Fraction of rows whose highest score is the label's, in eval mode (batch norm's running statistics)."""
    model.eval()
    return (model(x).argmax(dim=1) == labels).sum().item() / len(labels)


def uniform(low, high):
    return torch.empty((), dtype=torch.float64).uniform_(low, high).item()


def batch_norm_test(args, x_all, y_all, dtype):
    x, y = x_all[:args.train_size], y_all[:args.train_size]
    train_size = x.shape[0]
    iter_per_epoch = max(train_size / args.batch_size, 1)
    sizes = [784, *[100] * 5, 10]
    loss_fn = nn.CrossEntropyLoss()
    runs = []
    start = time.perf_counter()
    scales = np.logspace(0, -4, num=16)[:args.scales]
    for k, scale in enumerate(scales):
        print(f"============== {k + 1}/{len(scales)} ==============", file=sys.stderr)
        run_start = time.perf_counter()
        bn_model = stack(sizes, float(scale), batch_norm=True).to(dtype)
        model = stack(sizes, float(scale)).to(dtype)
        pairs = [(m, torch.optim.SGD(m.parameters(), lr=args.lr)) for m in (bn_model, model)]
        plain_acc, bn_acc = [], []
        i = 0
        while len(plain_acc) < args.epochs:
            batch = torch.randint(train_size, (args.batch_size,))
            x_batch, y_batch = x[batch], y[batch]
            for m, optimizer in pairs:
                sgd_step(m, optimizer, loss_fn, x_batch, y_batch)
            if i % iter_per_epoch == 0:
                plain_acc.append(accuracy(model, x, y))
                bn_acc.append(accuracy(bn_model, x, y))
                print(f"epoch:{len(plain_acc) - 1} | {plain_acc[-1]} - {bn_acc[-1]}", file=sys.stderr)
            i += 1
        runs.append({"weightScale": float(scale), "batchNormTrainAccuracy": bn_acc[-1],
                     "plainTrainAccuracy": plain_acc[-1], "iterations": i,
                     "seconds": time.perf_counter() - run_start})
    seconds = time.perf_counter() - start
    bn_final = [r["batchNormTrainAccuracy"] for r in runs]
    plain_final = [r["plainTrainAccuracy"] for r in runs]
    return {
        "workload": "batch-norm-test", "layers": sizes, "trainSize": train_size, "epochs": args.epochs,
        "batchSize": args.batch_size, "learningRate": args.lr, "nets": 2 * len(runs),
        "seconds": seconds, "runs": runs,
        "meanTrainAccuracyBatchNorm": float(np.mean(bn_final)), "meanTrainAccuracyPlain": float(np.mean(plain_final)),
        "batchNormAhead": sum(b > p for b, p in zip(bn_final, plain_final)),
    }


def hyperparameter_optimization(args, x_all, y_all, dtype):
    permutation = torch.randperm(args.train_size)
    x, y = x_all[:args.train_size][permutation], y_all[:args.train_size][permutation]
    validation_count = int(args.train_size * args.validation_rate)
    if not 1 <= validation_count < args.train_size or args.batch_size > args.train_size - validation_count:
        common.fail("--validation-rate must leave at least one validation and --batch-size training images")
    x_val, y_val = x[:validation_count], y[:validation_count]
    x_train, y_train = x[validation_count:], y[validation_count:]
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size / args.batch_size, 1)
    iterations = int(args.epochs * iter_per_epoch)
    sizes = [784, *[100] * 6, 10]
    loss_fn = nn.CrossEntropyLoss()
    trials = []
    start = time.perf_counter()
    for _ in range(args.trials):
        weight_decay = 10 ** uniform(-8, -4)
        lr = 10 ** uniform(-6, -2)
        model = stack(sizes, "he").to(dtype)
        weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
        biases = [p for name, p in model.named_parameters() if not name.endswith("weight")]
        optimizer = torch.optim.SGD([{"params": weights, "weight_decay": weight_decay},
                                     {"params": biases, "weight_decay": 0.0}], lr=lr)
        train_acc = val_acc = None
        for i in range(iterations):
            batch = torch.randint(train_size, (args.batch_size,))
            sgd_step(model, optimizer, loss_fn, x_train[batch], y_train[batch])
            if i % iter_per_epoch == 0:
                train_acc = accuracy(model, x_train, y_train)
                val_acc = accuracy(model, x_val, y_val)
        accuracy(model, x_val, y_val)  # the Trainer's final `test acc`, here on the validation set
        print(f"val acc:{val_acc} | lr:{lr}, weight decay:{weight_decay}", file=sys.stderr)
        trials.append({"validationAccuracy": val_acc, "trainAccuracy": train_acc,
                       "learningRate": lr, "weightDecay": weight_decay})
    seconds = time.perf_counter() - start
    ranked = sorted(trials, key=lambda trial: trial["validationAccuracy"], reverse=True)
    for k, trial in enumerate(ranked[:args.top]):
        print(f"Best-{k + 1}(val acc:{trial['validationAccuracy']}) | lr:{trial['learningRate']}, "
              f"weight decay:{trial['weightDecay']}", file=sys.stderr)
    val = [trial["validationAccuracy"] for trial in trials]
    return {
        "workload": "hyperparameter-optimization", "layers": sizes, "trainSize": train_size,
        "validationSize": validation_count, "trials": args.trials, "epochs": args.epochs,
        "batchSize": args.batch_size, "iterationsPerTrial": iterations, "bookLossPass": False,
        "seconds": seconds, "bestValidationAccuracy": ranked[0]["validationAccuracy"],
        "meanValidationAccuracy": float(np.mean(val)), "top": ranked[:args.top], "validationAccuracies": val,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="experiment", required=True)
    bn = sub.add_parser("batch-norm-test", help="batch normalisation against none over 16 weight scales")
    bn.add_argument("--train-size", type=int, default=1000)
    bn.add_argument("--epochs", type=int, default=20, help="evaluations per net (default 20)")
    bn.add_argument("--lr", type=float, default=0.01)
    bn.add_argument("--scales", type=int, default=16, help="only the first N of the 16 weight scales")
    hp = sub.add_parser("hyperparameter-optimization", help="random search of learning rate and weight decay")
    hp.add_argument("--train-size", type=int, default=500)
    hp.add_argument("--validation-rate", type=float, default=0.2)
    hp.add_argument("--trials", type=int, default=100)
    hp.add_argument("--epochs", type=float, default=50)
    hp.add_argument("--top", type=int, default=5, help="how many of the best trials the JSON lists")
    for p in (bn, hp):
        p.add_argument("--dataset", choices=["fashion-mnist", "mnist"], default="fashion-mnist")
        p.add_argument("--data-dir", help="directory with the four IDX files (default: $DLFS_DATA_DIR/<dataset>, "
                       "~/.cache/dlfs/<dataset>, /usr/share/datasets/fashion-mnist)")
        p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
        p.add_argument("--batch-size", type=int, default=100)
        p.add_argument("--threads", type=int, help="torch.set_num_threads (default: PyTorch's default)")
        p.add_argument("--seed", type=int, help="torch.manual_seed (default: a fresh seed each run, as the book)")
    args = ap.parse_args()
    if min(args.train_size, args.batch_size, getattr(args, "trials", 1), getattr(args, "top", 1)) < 1 \
            or not args.epochs > 0 or not 1 <= getattr(args, "scales", 1) <= 16 or not getattr(args, "lr", 1) > 0:
        common.fail("sizes, counts, --epochs and --lr must be positive, --scales 1...16")
    if args.threads is not None:
        if args.threads < 1:
            common.fail(f"--threads must be at least 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    if args.seed is not None:
        torch.manual_seed(args.seed)
    else:
        torch.seed()
    dtype = getattr(torch, args.dtype)

    start = time.perf_counter()
    x_train, train_labels, _, _ = common.load_normalized(args.dataset, args.data_dir)
    if args.train_size > x_train.shape[0] or args.batch_size > args.train_size:
        common.fail(f"--train-size {args.train_size} and --batch-size {args.batch_size} must fit "
                    f"the {x_train.shape[0]} training images")
    x_all = torch.from_numpy(x_train[:args.train_size]).to(dtype)
    y_all = torch.from_numpy(train_labels[:args.train_size].astype(np.int64))
    load_seconds = time.perf_counter() - start

    run = batch_norm_test if args.experiment == "batch-norm-test" else hyperparameter_optimization
    result = run(args, x_all, y_all, dtype)
    threads = {"cpuCount": os.cpu_count(), "torchThreads": torch.get_num_threads(),
               "interopThreads": torch.get_num_interop_threads(), "requested": args.threads,
               "mkl": torch.backends.mkl.is_available()}
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var):
            threads[var] = os.environ[var]
    common.emit({**result, "dataset": args.dataset, "dtype": args.dtype, "seed": torch.initial_seed(),
                 "loadSeconds": load_seconds, "torch": torch.__version__}, threads=threads)


if __name__ == "__main__":
    main()
