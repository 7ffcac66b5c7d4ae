#!/usr/bin/env python3
"""The benchmark's training runs in PyTorch (CPU), written as PyTorch is ordinarily used: nn.Sequential of
nn.Linear and nn.Sigmoid/nn.ReLU, nn.CrossEntropyLoss, torch.optim.

Default: the book's chapter-4/5 run as bench/reference/train.py does it: 784-50-10 sigmoid, weights
0.01 * randn, biases 0, SGD lr 0.1, mini-batches of 100 drawn with replacement, 10,000 iterations, full
train and test accuracy once an epoch (at iterations 0, 600, ...: 17 times), float32. The second
configuration of the benchmarks, the book's MultiLayerNet trained by its Trainer with Adam, is

    train_torch.py --hidden 100,100,100,100 --activation relu --init he --optimizer adam --lr 0.001 --epochs 5

(int(5 * 60,000 / 100) = 3,000 iterations, 5 evaluations). --init he draws weights sqrt(2 / fan_in) * randn
for every layer, the output layer's included, as the book's MultiLayerNet; biases are 0 in every case.

Differences from the NumPy programs, none of which changes the gradient:
- The loss is nn.CrossEntropyLoss (log-softmax, no 1e-7 in the log). Its gradient, (softmax - one-hot) / N,
  is the one the book's SoftmaxWithLoss backward returns; only the recorded loss values differ, by ~1e-7.
- Labels are class indices, not one-hot rows.
- The loss recorded each iteration is the step's own forward pass (train.py runs one more forward pass after
  the update, as the book does).
- torch.optim.Adam (eps=1e-7) adds eps to the bias-corrected sqrt(v) / sqrt(1 - b2^t), the book's Adam adds
  1e-7 to sqrt(v) itself; they agree except where sqrt(v) is of the order of 1e-7.
- Batches come from torch.randint, the same distribution as np.random.choice with replacement.

The training loop, evaluations included, is timed in this process (seconds; stepSeconds without the
evaluations); loading, with the conversion to tensors, is timed apart. --threads sets torch.set_num_threads
(default: PyTorch's own choice, one per core). Prints one JSON object on stdout, with the keys of train.py.
"""

import argparse
import os
import sys
import time

import numpy as np
import torch
from torch import nn

import common


def build(sizes, activation, init):
    """nn.Sequential of Linear layers of the given widths with the activation between them."""
    layers = []
    for n, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        linear = nn.Linear(fan_in, fan_out)
        nn.init.normal_(linear.weight, mean=0.0, std=common.weight_scale(init, fan_in))
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if n < len(sizes) - 2:
            layers.append(nn.ReLU() if activation == "relu" else nn.Sigmoid())
    return nn.Sequential(*layers)


@torch.inference_mode()
def accuracy(model, x, labels):
    """Fraction of rows whose highest score is the label's, over the whole set in one pass."""
    return (model(x).argmax(dim=1) == labels).sum().item() / len(labels)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=["fashion-mnist", "mnist"], default="fashion-mnist")
    ap.add_argument("--data-dir", help="directory with the four IDX files (default: $DLFS_DATA_DIR/<dataset>, "
                    "~/.cache/dlfs/<dataset>, /usr/share/datasets/fashion-mnist)")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--hidden", type=common.hidden_sizes, default=[50],
                    help="hidden widths, comma-separated (default 50)")
    ap.add_argument("--activation", choices=["sigmoid", "relu"], default="sigmoid")
    ap.add_argument("--init", type=common.weight_init, default=0.01,
                    help="he, xavier or a standard deviation (default 0.01)")
    ap.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--iters", type=int, help="iterations (default 10,000 unless --epochs is given)")
    ap.add_argument("--epochs", type=float, help="iterations = int(epochs * train size / batch size)")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--threads", type=int, help="torch.set_num_threads (default: PyTorch's default)")
    ap.add_argument("--seed", type=int, help="torch.manual_seed (default: a fresh seed each run, as the book)")
    args = ap.parse_args()
    if args.iters is not None and args.epochs is not None:
        common.fail("give --iters or --epochs, not both")
    if args.batch_size < 1 or (args.iters is not None and args.iters < 1):
        common.fail("--iters and --batch-size must be at least 1")
    if not args.lr > 0 or (args.epochs is not None and not args.epochs > 0):
        common.fail("--lr and --epochs must be positive")
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
    x_train, train_labels, x_test, test_labels = common.load_normalized(args.dataset, args.data_dir)
    x_train = torch.from_numpy(x_train).to(dtype)
    x_test = torch.from_numpy(x_test).to(dtype)
    y_train = torch.from_numpy(train_labels.astype(np.int64))
    y_test = torch.from_numpy(test_labels.astype(np.int64))
    load_seconds = time.perf_counter() - start

    train_size = x_train.shape[0]
    if args.batch_size > train_size:
        common.fail(f"--batch-size {args.batch_size} is larger than the {train_size} training images")
    iter_per_epoch = max(train_size / args.batch_size, 1)
    if args.epochs is not None:
        iterations = max(int(args.epochs * iter_per_epoch), 1)
    else:
        iterations = args.iters if args.iters is not None else 10000

    model = build([784, *args.hidden, 10], args.activation, args.init).to(dtype)
    loss_fn = nn.CrossEntropyLoss()
    if args.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-7)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)

    start = time.perf_counter()
    losses = []
    train_acc = test_acc = None
    evaluations = 0
    evaluation_seconds = 0.0
    for i in range(iterations):
        batch = torch.randint(train_size, (args.batch_size,))
        x_batch, y_batch = x_train[batch], y_train[batch]
        optimizer.zero_grad()
        loss = loss_fn(model(x_batch), y_batch)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if i % iter_per_epoch == 0:
            evaluation_start = time.perf_counter()
            train_acc = accuracy(model, x_train, y_train)
            test_acc = accuracy(model, x_test, y_test)
            evaluation_seconds += time.perf_counter() - evaluation_start
            evaluations += 1
            print(f"train acc, test acc | {train_acc}, {test_acc}", file=sys.stderr)
    seconds = time.perf_counter() - start
    test_after_loop = accuracy(model, x_test, y_test)

    threads = {"cpuCount": os.cpu_count(), "torchThreads": torch.get_num_threads(),
               "interopThreads": torch.get_num_interop_threads(), "requested": args.threads,
               "mkl": torch.backends.mkl.is_available()}
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var):
            threads[var] = os.environ[var]
    common.emit({
        "workload": "train-torch", "dataset": args.dataset, "dtype": args.dtype,
        "layers": [784, *args.hidden, 10], "activation": args.activation, "init": args.init,
        "optimizer": args.optimizer, "learningRate": args.lr, "iterations": iterations,
        "batchSize": args.batch_size, "evaluations": evaluations, "seed": torch.initial_seed(),
        "seconds": seconds, "stepSeconds": seconds - evaluation_seconds, "evaluationSeconds": evaluation_seconds,
        "loadSeconds": load_seconds, "trainAccuracy": train_acc, "testAccuracy": test_acc,
        "testAccuracyAfterLoop": test_after_loop, "finalLoss": losses[-1], "torch": torch.__version__,
    }, threads=threads)


if __name__ == "__main__":
    main()
