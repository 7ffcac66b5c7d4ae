#!/usr/bin/env python3
"""The book's ConvNets (chapters 7 and 8) in PyTorch on the CPU: training with Adam, or inference.

Written as PyTorch is ordinarily used: nn.Sequential of nn.Conv2d, nn.ReLU, nn.MaxPool2d, nn.Linear and
nn.Dropout, nn.CrossEntropyLoss, torch.optim.Adam.

    convnet_torch.py train --model simple-convnet|deep-convnet [--iters 600] [--threads N]
    convnet_torch.py infer --model simple-convnet|deep-convnet --weights params.pkl [--threads N]

The same nets, initial scales, modes, options and JSON keys as convnet.py (whose layer table it uses):
SimpleConvNet weights 0.01 * randn, DeepConvNet He sqrt(2 / fan_in), biases 0; Adam lr 0.001; batches of
100 drawn with replacement (torch.randint); the accuracies after training on the first 1,000 images of each
set and on the whole test set; only the steps timed. train runs in float32 by default, infer in float64 (the
book's weights are float64, so its accuracy is the NumPy program's to the image).

Differences from convnet.py:
- nn.Dropout is inverted dropout (training scales the kept units by 1 / (1 - p), inference passes them
  through); the book's leaves them in training and scales by 1 - p at inference. The two nets differ by a
  factor 1 / (1 - p) on the input of the affine layer after the hidden dropout, so infer multiplies the
  book's W8 by 1 - p when loading it; the last dropout scales all logits alike, which changes no argmax.
- torch.optim.Adam (eps 1e-7) adds eps to the bias-corrected sqrt(v) / sqrt(1 - b2^t), the book's Adam adds
  1e-7 to sqrt(v) itself; they agree except where sqrt(v) is of the order of 1e-7.
- The loss is nn.CrossEntropyLoss (log-softmax, no 1e-7 in the log); its gradient is the book's (y - t) / N.

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
import convnet


def build(model):
    """nn.Sequential of convnet.py's layout for `model`, freshly initialised as the book."""
    layers = []
    for entry in convnet.layout(model):
        kind = entry[0]
        if kind == "conv":
            _, _, (fn, c, size, _), stride, pad = entry
            layer = nn.Conv2d(c, fn, size, stride=stride, padding=pad)
        elif kind == "affine":
            if not any(isinstance(m, nn.Flatten) for m in layers):
                layers.append(nn.Flatten())
            layer = nn.Linear(*entry[2])
        elif kind == "pool":
            layers.append(nn.MaxPool2d(2, stride=2))
            continue
        elif kind == "relu":
            layers.append(nn.ReLU())
            continue
        else:
            layers.append(nn.Dropout(convnet.DROPOUT_RATIO))
            continue
        # The book's shape: (FN, C, FH, FW) for a conv, (in, out) for an affine; nn.Linear stores (out, in).
        book_shape = entry[2]
        nn.init.normal_(layer.weight, mean=0.0, std=convnet.init_scale(model, book_shape))
        nn.init.zeros_(layer.bias)
        layers.append(layer)
    return nn.Sequential(*layers)


def load_book_weights(sequential, params):
    """Copy the book's W1, b1, ... into the Conv2d and Linear layers in order: conv weights as they are,
    affine weights transposed; the affine after a dropout gets W * (1 - p) (see the docstring)."""
    n = 0
    after_dropout = False
    with torch.no_grad():
        for module in sequential:
            if isinstance(module, nn.Dropout):
                after_dropout = True
            elif isinstance(module, (nn.Conv2d, nn.Linear)):
                n += 1
                W = torch.from_numpy(np.ascontiguousarray(params[f"W{n}"]))
                if isinstance(module, nn.Linear):
                    W = W.T
                    if after_dropout:
                        W = W * (1.0 - convnet.DROPOUT_RATIO)
                module.weight.copy_(W)
                module.bias.copy_(torch.from_numpy(params[f"b{n}"]))
                after_dropout = False


@torch.inference_mode()
def correct(model, x, labels, batch_size=100):
    """How many of x the model (in eval mode) classifies as labels, in batches as the book."""
    model.eval()
    count = 0
    for i in range(0, len(x), batch_size):
        count += (model(x[i:i + batch_size]).argmax(dim=1) == labels[i:i + batch_size]).sum().item()
    return count


def thread_figures(requested):
    threads = {"cpuCount": os.cpu_count(), "torchThreads": torch.get_num_threads(),
               "interopThreads": torch.get_num_interop_threads(), "requested": requested}
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var):
            threads[var] = os.environ[var]
    return threads


def train(args, dtype):
    start = time.perf_counter()
    x_train, train_labels, x_test, test_labels = convnet.load_train(args, np.float32)
    x_train, x_test = torch.from_numpy(x_train).to(dtype), torch.from_numpy(x_test).to(dtype)
    y_train, y_test = torch.from_numpy(train_labels), torch.from_numpy(test_labels)
    load_seconds = time.perf_counter() - start

    model = build(args.model).to(dtype)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-7)
    train_size = len(x_train)
    model.train()
    start = time.perf_counter()
    for _ in range(args.iters):
        batch = torch.randint(train_size, (args.batch_size,))
        optimizer.zero_grad()
        loss = loss_fn(model(x_train[batch]), y_train[batch])
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start

    k = args.evaluation_samples
    train_acc = correct(model, x_train[:k], y_train[:k]) / len(x_train[:k])
    test_acc = correct(model, x_test[:k], y_test[:k]) / len(x_test[:k])
    final_test_acc = correct(model, x_test, y_test) / len(x_test)
    print(f"train acc, test acc | {train_acc}, {test_acc}\ntest acc:{final_test_acc}", file=sys.stderr)
    common.emit({
        "workload": "train-convnet-torch", "model": args.model, "dataset": args.dataset, "dtype": str(dtype)[6:],
        "iterations": args.iters, "batchSize": args.batch_size, "learningRate": args.lr,
        "seed": torch.initial_seed(), "seconds": seconds, "stepSeconds": seconds,
        "stepMilliseconds": 1000 * seconds / args.iters, "loadSeconds": load_seconds, "evaluationSamples": k,
        "trainAccuracy": train_acc, "testAccuracy": test_acc, "finalTestAccuracy": final_test_acc,
        "finalLoss": loss.item(), "torch": torch.__version__,
    }, threads=thread_figures(args.threads))


def infer(args, dtype):
    start = time.perf_counter()
    try:
        params = convnet.load_book_params(args.weights, args.model)
        x, labels = convnet.load_test(args)
    except common.DataError as e:
        common.fail(str(e))
    model = build(args.model)
    load_book_weights(model, params)
    model = model.to(dtype)
    x, labels = torch.from_numpy(x).to(dtype), torch.from_numpy(labels)
    load_seconds = time.perf_counter() - start

    start = time.perf_counter()
    count = correct(model, x, labels, args.batch_size)
    seconds = time.perf_counter() - start
    print(f"Accuracy:{count / len(x)}", file=sys.stderr)
    common.emit({
        "workload": "infer-convnet-torch", "model": args.model, "dtype": str(dtype)[6:],
        "batchSize": args.batch_size, "images": len(x), "seconds": seconds, "batchSeconds": seconds,
        "loadSeconds": load_seconds, "correctCount": count, "accuracy": count / len(x), "torch": torch.__version__,
    }, threads=thread_figures(args.threads))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = convnet.add_arguments(ap, default_dtype=None,
                                dtype_help="float32 or float64 (default: float32 for train, float64 for infer)")
    for p in sub.choices.values():
        p.add_argument("--threads", type=int, help="torch.set_num_threads (default: PyTorch's default)")
    args = ap.parse_args()
    convnet.check_arguments(args)
    if args.threads is not None:
        if args.threads < 1:
            common.fail(f"--threads must be at least 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    if args.seed is not None:
        torch.manual_seed(args.seed)
    else:
        torch.seed()
    dtype = getattr(torch, args.dtype or ("float32" if args.mode == "train" else "float64"))
    if args.mode == "train":
        train(args, dtype)
    else:
        infer(args, dtype)


if __name__ == "__main__":
    main()
