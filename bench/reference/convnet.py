#!/usr/bin/env python3
"""The book's ConvNets (chapters 7 and 8) in NumPy: training with Adam, or inference with its weights.

SimpleConvNet and DeepConvNet built from im2col convolution and max pooling.

    convnet.py train --model simple-convnet|deep-convnet [--iters 600] [--batch-size 100] [--dtype float32]
    convnet.py infer --model simple-convnet|deep-convnet --weights params.pkl [--data-dir MNIST] [--batch-size 100]

SimpleConvNet (ch07/simple_convnet.py): conv 30 filters 5x5 (pad 0, stride 1), ReLU, max pool 2x2 stride 2,
affine 4320-100, ReLU, affine 100-10, softmax with cross-entropy; weights 0.01 * randn, biases 0.
DeepConvNet (ch08/deep_convnet.py): six 3x3 convs of 16, 16, 32, 32, 64, 64 filters (pads 1, 1, 1, 2, 1, 1),
each followed by ReLU, max pool after the 2nd, 4th and 6th; affine 1024-50, ReLU, dropout 0.5, affine 50-10,
dropout 0.5; He initialisation sqrt(2 / fan_in), fan_in = C * 3 * 3 for a conv and the inputs for an affine.
Dropout is the book's: training keeps a unit where a uniform draw exceeds 0.5 (no rescaling), inference
multiplies by 0.5.

train: images (N, 1, 28, 28) / 255, mini-batches drawn with replacement (np.random.choice), the book's Adam
(lr 0.001), then the accuracies on the first --evaluation-samples (1,000, the book's
evaluate_sample_num_per_epoch) images of each set (trainAccuracy, testAccuracy) and on the whole test set
(finalTestAccuracy, the Trainer's final `test acc`). Only the steps are timed (seconds); loading and the
evaluations are not. --dtype float64 (default) as the book; float32 for everything in float32.
infer: the 10,000 MNIST test images in batches of --batch-size, converted to --dtype (exact for float64),
the batches timed (batchSeconds).
Prints one JSON object on stdout.

Written for the DLFS benchmarks from the book's algorithms.
"""

import argparse
import math
import pickle
import sys
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import common
from infer import _ArrayUnpickler
from layers import Adam, Dropout, Relu, SoftmaxWithLoss

MODELS = ("simple-convnet", "deep-convnet")
DROPOUT_RATIO = 0.5

# Layer specs: ("conv", filters, size, stride, pad), ("pool",) is 2x2 stride 2, ("affine", outputs),
# ("relu",), ("dropout",). Weights are numbered W1, W2, ... in order, as the book's params dicts.
SPECS = {
    "simple-convnet": [("conv", 30, 5, 1, 0), ("relu",), ("pool",), ("affine", 100), ("relu",), ("affine", 10)],
    "deep-convnet": [("conv", 16, 3, 1, 1), ("relu",), ("conv", 16, 3, 1, 1), ("relu",), ("pool",),
                     ("conv", 32, 3, 1, 1), ("relu",), ("conv", 32, 3, 1, 2), ("relu",), ("pool",),
                     ("conv", 64, 3, 1, 1), ("relu",), ("conv", 64, 3, 1, 1), ("relu",), ("pool",),
                     ("affine", 50), ("relu",), ("dropout",), ("affine", 10), ("dropout",)],
}


def layout(model, input_shape=(1, 28, 28)):
    """The spec with shapes filled in: ("conv", n, (FN, C, FH, FW), stride, pad), ("affine", n, (in, out)),
    ("pool", (C, H, W) of its input), ("relu",), ("dropout",); n numbers the weights from 1."""
    c, h, w = input_shape
    out, n = [], 0
    for spec in SPECS[model]:
        kind = spec[0]
        if kind == "conv":
            _, fn, size, stride, pad = spec
            n += 1
            out.append(("conv", n, (fn, c, size, size), stride, pad))
            c, h, w = fn, (h + 2 * pad - size) // stride + 1, (w + 2 * pad - size) // stride + 1
        elif kind == "pool":
            out.append(("pool", (c, h, w)))
            h, w = h // 2, w // 2
        elif kind == "affine":
            n += 1
            out.append(("affine", n, (c * h * w, spec[1])))
            c, h, w = spec[1], 1, 1
        else:
            out.append(spec)
    return out


def weight_shapes(model):
    """{"W1": shape, "b1": (FN,), ...} of the model's parameters."""
    shapes = {}
    for entry in layout(model):
        if entry[0] in ("conv", "affine"):
            shape = entry[2]
            shapes[f"W{entry[1]}"] = shape
            shapes[f"b{entry[1]}"] = (shape[0] if entry[0] == "conv" else shape[1],)
    return shapes


def init_scale(model, shape):
    """The standard deviation of a weight of this shape: 0.01 (SimpleConvNet) or He's sqrt(2 / fan_in)
    (DeepConvNet), fan_in = C * FH * FW of a filter or the inputs of an affine layer."""
    if model == "simple-convnet":
        return 0.01
    return math.sqrt(2.0 / math.prod(shape[1:] if len(shape) == 4 else shape[:1]))


def load_book_params(path, model):
    """The book's params.pkl (SimpleConvNet) or deep_convnet_params.pkl, checked for names and shapes."""
    try:
        with open(path, "rb") as f:
            params = _ArrayUnpickler(f).load()
    except FileNotFoundError:
        raise common.DataError(f"{path}: no such file") from None
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as e:
        raise common.DataError(f"{path}: not a weight pickle: {e}") from None
    if not isinstance(params, dict):
        raise common.DataError(f"{path}: holds a {type(params).__name__}, expected a dict of arrays")
    for name, shape in weight_shapes(model).items():
        a = params.get(name)
        if not isinstance(a, np.ndarray):
            raise common.DataError(f"{path}: no array named {name} (is it the {model}'s weights?)")
        if a.shape != shape:
            raise common.DataError(f"{path}: {name} has shape {a.shape}, expected {shape} for {model}")
    return {name: params[name] for name in weight_shapes(model)}


def im2col(x, fh, fw, stride, pad):
    """(N, C, H, W) as rows of receptive fields: (N * OH * OW, C * FH * FW), rows ordered (n, oh, ow) and
    columns (c, fh, fw), so a filter bank reshaped to (FN, C * FH * FW) multiplies it directly."""
    n, c, h, w = x.shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    # A strided view (N, C, H', W', FH, FW) of every window, subsampled by stride; one copy into the layout.
    windows = sliding_window_view(x, (fh, fw), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :oh, :ow]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * fh * fw)


def col2im(col, shape, fh, fw, stride, pad):
    """The adjoint of im2col: each column entry added back to the pixel it was copied from."""
    n, c, h, w = shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    col = col.reshape(n, oh, ow, c, fh, fw)
    img = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    for i in range(fh):
        for j in range(fw):
            img[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] += col[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return img[:, :, pad:pad + h, pad:pad + w]


class Convolution:
    """Filters W (FN, C, FH, FW) and biases b (FN,) over (N, C, H, W) by im2col and one matrix product."""

    def __init__(self, W, b, stride, pad):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad
        self.x_shape = self.col = self.col_W = self.dW = self.db = None

    def forward(self, x):
        fn, _, fh, fw = self.W.shape
        n, _, h, w = x.shape
        oh, ow = (h + 2 * self.pad - fh) // self.stride + 1, (w + 2 * self.pad - fw) // self.stride + 1
        self.x_shape = x.shape
        self.col = im2col(x, fh, fw, self.stride, self.pad)
        self.col_W = self.W.reshape(fn, -1).T
        out = self.col @ self.col_W + self.b
        return out.reshape(n, oh, ow, fn).transpose(0, 3, 1, 2)

    def backward(self, dout):
        fn, c, fh, fw = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
        self.db = np.sum(dout, axis=0)
        self.dW = (self.col.T @ dout).T.reshape(fn, c, fh, fw)
        return col2im(dout @ self.col_W.T, self.x_shape, fh, fw, self.stride, self.pad)


class MaxPooling:
    """2x2 max pooling, stride 2, as the book: the windows by im2col, the argmax of each kept so backward
    sends each gradient to the first maximum of its window."""

    SIZE = 2

    def __init__(self):
        self.x_shape = self.arg_max = None

    def forward(self, x):
        n, c, h, w = x.shape
        oh, ow = (h - self.SIZE) // self.SIZE + 1, (w - self.SIZE) // self.SIZE + 1
        col = im2col(x, self.SIZE, self.SIZE, self.SIZE, 0).reshape(-1, self.SIZE * self.SIZE)
        self.x_shape = x.shape
        self.arg_max = np.argmax(col, axis=1)
        return np.max(col, axis=1).reshape(n, oh, ow, c).transpose(0, 3, 1, 2)

    def backward(self, dout):
        dout = dout.transpose(0, 2, 3, 1)  # rows in im2col's (n, oh, ow) order, then channels
        dmax = np.zeros((dout.size, self.SIZE * self.SIZE), dtype=dout.dtype)
        dmax[np.arange(self.arg_max.size), self.arg_max] = dout.ravel()
        dcol = dmax.reshape(dout.shape[0] * dout.shape[1] * dout.shape[2], -1)
        return col2im(dcol, self.x_shape, self.SIZE, self.SIZE, self.SIZE, 0)


class Affine:
    """x W + b for input (N, ...) flattened to (N, in); backward gives dx in the input's shape."""

    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.x_shape = self.dW = self.db = None

    def forward(self, x):
        self.x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        return (dout @ self.W.T).reshape(self.x_shape)


class ConvNet:
    """SimpleConvNet or DeepConvNet: `params` the book's dict (W1, b1, ...) or None for a fresh
    initialisation (weights drawn in float64 by np.random.randn, in order, then converted)."""

    def __init__(self, model, dtype, params=None):
        shapes = weight_shapes(model)
        if params is None:
            params = {}
            for name, shape in shapes.items():
                if name.startswith("W"):
                    params[name] = init_scale(model, shape) * np.random.randn(*shape)
                else:
                    params[name] = np.zeros(shape)
        self.params = {name: np.ascontiguousarray(params[name], dtype=dtype) for name in shapes}
        self.layers = []
        for entry in layout(model):
            kind = entry[0]
            if kind == "conv":
                n = entry[1]
                self.layers.append(Convolution(self.params[f"W{n}"], self.params[f"b{n}"], entry[3], entry[4]))
            elif kind == "affine":
                self.layers.append(Affine(self.params[f"W{entry[1]}"], self.params[f"b{entry[1]}"]))
            elif kind == "pool":
                self.layers.append(MaxPooling())
            elif kind == "relu":
                self.layers.append(Relu())
            else:
                self.layers.append(Dropout(DROPOUT_RATIO))
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x, train=False):
        for layer in self.layers:
            x = layer.forward(x, train) if isinstance(layer, Dropout) else layer.forward(x)
        return x

    def gradient(self, x, t):
        """The batch loss of a training forward pass and the gradients of every parameter, by name."""
        loss = self.last_layer.forward(self.predict(x, train=True), t)
        dout = self.last_layer.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        grads = {}
        n = 0
        for layer in self.layers:
            if isinstance(layer, (Convolution, Affine)):
                n += 1
                grads[f"W{n}"], grads[f"b{n}"] = layer.dW, layer.db
        return float(loss), grads

    def correct(self, x, labels, batch_size=100):
        """How many of x (N, 1, 28, 28) the net classifies as labels (N,), in batches as the book."""
        count = 0
        for i in range(0, len(x), batch_size):
            y = self.predict(x[i:i + batch_size], train=False)
            count += int(np.sum(np.argmax(y, axis=1) == labels[i:i + batch_size]))
        return count


def add_arguments(ap, default_dtype="float64", dtype_help=None):
    """The options of both modes, shared with convnet_torch.py."""
    sub = ap.add_subparsers(dest="mode", required=True)
    train = sub.add_parser("train", help="train with Adam and report the accuracies afterwards")
    train.add_argument("--model", choices=MODELS, required=True)
    train.add_argument("--dataset", choices=["fashion-mnist", "mnist"], default="fashion-mnist")
    train.add_argument("--data-dir", help="directory with the four IDX files (default: $DLFS_DATA_DIR/<dataset>, "
                       "~/.cache/dlfs/<dataset>, /usr/share/datasets/fashion-mnist)")
    train.add_argument("--iters", type=int, default=600, help="Adam steps (default 600, one epoch)")
    train.add_argument("--batch-size", type=int, default=100)
    train.add_argument("--lr", type=float, default=0.001)
    train.add_argument("--evaluation-samples", type=int, default=1000,
                       help="images of each set for trainAccuracy and testAccuracy (default 1,000, as the book)")
    infer = sub.add_parser("infer", help="classify the test set with the book's trained weights")
    infer.add_argument("--model", choices=MODELS, required=True)
    infer.add_argument("--weights", required=True,
                       help="the book's params.pkl (simple-convnet) or deep_convnet_params.pkl (deep-convnet)")
    infer.add_argument("--data-dir", default=str(common.SHARED_DATA / "mnist"),
                       help="directory with the MNIST t10k IDX files (default ../shared/data/mnist)")
    infer.add_argument("--batch-size", type=int, default=100)
    for p in (train, infer):
        p.add_argument("--dtype", choices=["float64", "float32"], default=default_dtype,
                       help=dtype_help or "float64 as the book (default), or float32")
        p.add_argument("--seed", type=int, help="random seed (default: unseeded, as the book)")
    return sub


def check_arguments(args):
    if args.batch_size < 1 or (args.mode == "train" and (args.iters < 1 or args.evaluation_samples < 1)):
        common.fail("--iters, --batch-size and --evaluation-samples must be at least 1")
    if args.mode == "train" and not args.lr > 0:
        common.fail("--lr must be positive")


def load_train(args, dtype):
    """Both splits as (N, 1, 28, 28) images of dtype in [0, 1] and (N,) int64 labels."""
    x_train, train_labels, x_test, test_labels = common.load_normalized(args.dataset, args.data_dir)
    x_train = x_train.reshape(-1, 1, 28, 28).astype(dtype, copy=False)
    x_test = x_test.reshape(-1, 1, 28, 28).astype(dtype, copy=False)
    if args.batch_size > len(x_train):
        common.fail(f"--batch-size {args.batch_size} is larger than the {len(x_train)} training images")
    return x_train, train_labels.astype(np.int64), x_test, test_labels.astype(np.int64)


def load_test(args):
    """The test split of --data-dir as (N, 1, 28, 28) float32 in [0, 1] (the book's load_mnist) and labels."""
    images, labels = common.load_split(args.data_dir, "test")
    x = images.astype(np.float32)
    x /= 255.0
    return x.reshape(-1, 1, 28, 28), labels.astype(np.int64)


def train(args):
    dtype = np.dtype(args.dtype)
    start = time.perf_counter()
    x_train, train_labels, x_test, test_labels = load_train(args, dtype)
    t_train = common.one_hot(train_labels, dtype)
    load_seconds = time.perf_counter() - start

    network = ConvNet(args.model, dtype)
    optimizer = Adam(lr=args.lr)
    train_size = len(x_train)
    start = time.perf_counter()
    for _ in range(args.iters):
        batch_mask = np.random.choice(train_size, args.batch_size)
        loss, grads = network.gradient(x_train[batch_mask], t_train[batch_mask])
        optimizer.update(network.params, grads)
    seconds = time.perf_counter() - start

    k = args.evaluation_samples
    train_acc = network.correct(x_train[:k], train_labels[:k]) / len(x_train[:k])
    test_acc = network.correct(x_test[:k], test_labels[:k]) / len(x_test[:k])
    final_test_acc = network.correct(x_test, test_labels) / len(x_test)
    print(f"train acc, test acc | {train_acc}, {test_acc}\ntest acc:{final_test_acc}", file=sys.stderr)
    common.emit({
        "workload": "train-convnet", "model": args.model, "dataset": args.dataset, "dtype": args.dtype,
        "iterations": args.iters, "batchSize": args.batch_size, "learningRate": args.lr, "seed": args.seed,
        "seconds": seconds, "stepSeconds": seconds, "stepMilliseconds": 1000 * seconds / args.iters,
        "loadSeconds": load_seconds, "evaluationSamples": k, "trainAccuracy": train_acc,
        "testAccuracy": test_acc, "finalTestAccuracy": final_test_acc, "finalLoss": loss,
    })


def infer(args):
    start = time.perf_counter()
    try:
        params = load_book_params(args.weights, args.model)
        x, labels = load_test(args)
    except common.DataError as e:
        common.fail(str(e))
    network = ConvNet(args.model, np.dtype(args.dtype), params)
    # Exact (float32 to float64), and keeps every product in BLAS: mixed-type products take NumPy's slow path.
    x = x.astype(args.dtype, copy=False)
    load_seconds = time.perf_counter() - start

    start = time.perf_counter()
    correct = network.correct(x, labels, args.batch_size)
    seconds = time.perf_counter() - start
    print(f"Accuracy:{correct / len(x)}", file=sys.stderr)
    common.emit({
        "workload": "infer-convnet", "model": args.model, "dtype": args.dtype, "batchSize": args.batch_size,
        "images": len(x), "seconds": seconds, "batchSeconds": seconds, "loadSeconds": load_seconds,
        "correctCount": correct, "accuracy": correct / len(x),
    })


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(ap)
    args = ap.parse_args()
    check_arguments(args)
    if args.seed is not None:
        np.random.seed(args.seed)
    if args.mode == "train":
        train(args)
    else:
        infer(args)


if __name__ == "__main__":
    main()
