"""The layered network of the book's chapters 5 and 6 in NumPy: affine, ReLU and sigmoid layers with forward
and backward passes, batch normalisation and dropout (chapter 6), softmax with cross-entropy as the last
layer, a MultiLayerNet made of them (the book's MultiLayerNetExtend: optional batch normalisation, dropout and
weight decay), and the SGD and Adam optimizers, all updating the parameter arrays in place.

Written for the DLFS benchmarks from the book's algorithms. Scalars are Python floats, so float32
parameters stay float32 (under NumPy 2 a NumPy float64 scalar would promote every product to float64).
"""

import math

import numpy as np

from common import cross_entropy_error, sigmoid, softmax, weight_scale


class Affine:
    """x W + b; backward keeps dW and db."""

    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        return dout @ self.W.T


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0  # dout is the fresh result of the layer above, as in the book
        return dout


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class SoftmaxWithLoss:
    """Softmax then the mean cross-entropy (with the book's 1e-7) against one-hot labels."""

    def __init__(self):
        self.y = self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        return cross_entropy_error(self.y, t)

    def backward(self):
        return (self.y - self.t) / self.t.shape[0]


class BatchNormalization:
    """The book's batch normalisation of (N, D) input, feature by feature over the batch:
    out = gamma * (x - mu) / sqrt(var + eps) + beta, eps = 1e-6 (the book writes 10e-7).
    Training uses the batch's mean and (biased) variance and moves the running statistics toward them,
    running = momentum * running + (1 - momentum) * batch, momentum 0.9; inference uses the running statistics,
    which start at zeros (the book's, created at the first forward)."""

    EPS = 1e-6

    def __init__(self, gamma, beta, momentum=0.9):
        self.gamma, self.beta = gamma, beta
        self.momentum = float(momentum)
        self.running_mean = np.zeros_like(gamma)
        self.running_var = np.zeros_like(gamma)
        self.xc = self.xn = self.std = None
        self.dgamma = self.dbeta = None

    def forward(self, x, train=False):
        if not train:
            xn = (x - self.running_mean) / np.sqrt(self.running_var + self.EPS)
            return self.gamma * xn + self.beta
        mean = x.mean(axis=0)
        self.xc = x - mean
        var = np.mean(self.xc ** 2, axis=0)
        self.std = np.sqrt(var + self.EPS)
        self.xn = self.xc / self.std
        keep = self.momentum
        self.running_mean = keep * self.running_mean + (1.0 - keep) * mean
        self.running_var = keep * self.running_var + (1.0 - keep) * var
        return self.gamma * self.xn + self.beta

    def backward(self, dout):
        """The book's chain through xn = xc / std, std = sqrt(var + eps), var = mean(xc^2), xc = x - mean."""
        n = dout.shape[0]
        self.dbeta = np.sum(dout, axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dstd = -np.sum(dxn * self.xc / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc = dxn / self.std + (2.0 / n) * self.xc * dvar
        return dxc - np.sum(dxc, axis=0) / n


class Dropout:
    """The book's dropout: in training each unit is kept where a uniform draw exceeds `ratio` (no rescaling);
    at inference every output is scaled by 1 - ratio."""

    def __init__(self, ratio=0.5):
        self.ratio = float(ratio)
        self.mask = None

    def forward(self, x, train=False):
        if not train:
            return x * (1.0 - self.ratio)
        self.mask = np.random.rand(*x.shape) > self.ratio
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class MultiLayerNet:
    """The book's MultiLayerNet and MultiLayerNetExtend: for each hidden width an affine layer, batch
    normalisation (when `batch_norm`), the activation and dropout (when `dropout` is a ratio), then an affine
    layer and softmax with loss. Every weight matrix is scale * randn(fan_in, fan_out) with scale from
    `weight_init` (he, xavier or a standard deviation), the output layer's included as in the book; biases 0;
    batch normalisation's gamma 1 and beta 0 (named gamma1, beta1, ... after the affine layer before).
    `weight_decay` lambda adds lambda/2 * sum(W^2) over the weight matrices to the loss and lambda * W to each
    weight gradient."""

    ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid}
    TRAINING_AWARE = (BatchNormalization, Dropout)  # forward takes the train flag

    def __init__(self, input_size, hidden_sizes, output_size, activation="relu", weight_init="he",
                 dtype=np.float32, weight_decay=0.0, batch_norm=False, dropout=None):
        sizes = [input_size, *hidden_sizes, output_size]
        self.weight_decay = float(weight_decay)
        self.params = {}
        self.layers = []
        for n in range(1, len(sizes)):
            # Drawn in float64 as np.random.randn gives it, then converted.
            scale = weight_scale(weight_init, sizes[n - 1])
            self.params[f"W{n}"] = (scale * np.random.randn(sizes[n - 1], sizes[n])).astype(dtype)
            self.params[f"b{n}"] = np.zeros(sizes[n], dtype=dtype)
            self.layers.append(Affine(self.params[f"W{n}"], self.params[f"b{n}"]))
            if n == len(sizes) - 1:
                break
            if batch_norm:
                self.params[f"gamma{n}"] = np.ones(sizes[n], dtype=dtype)
                self.params[f"beta{n}"] = np.zeros(sizes[n], dtype=dtype)
                self.layers.append(BatchNormalization(self.params[f"gamma{n}"], self.params[f"beta{n}"]))
            self.layers.append(self.ACTIVATIONS[activation]())
            if dropout is not None:
                self.layers.append(Dropout(dropout))
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x, train=False):
        for layer in self.layers:
            x = layer.forward(x, train) if isinstance(layer, self.TRAINING_AWARE) else layer.forward(x)
        return x

    def loss(self, x, t, train=False):
        """The mean cross-entropy of the batch plus lambda/2 * sum(W^2) (skipped when lambda is 0: the book
        adds a zero)."""
        loss = self.last_layer.forward(self.predict(x, train), t)
        if self.weight_decay:
            for key, value in self.params.items():
                if key.startswith("W"):
                    loss += 0.5 * self.weight_decay * np.sum(value * value)
        return loss

    def accuracy(self, x, t):
        y = np.argmax(self.predict(x, train=False), axis=1)
        return np.sum(y == np.argmax(t, axis=1)) / float(x.shape[0])

    def gradient(self, x, t):
        """The batch loss (a training forward) and the backprop gradients of every parameter, by name."""
        loss = self.loss(x, t, train=True)
        dout = self.last_layer.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        grads = {}
        affines = [layer for layer in self.layers if isinstance(layer, Affine)]
        for n, layer in enumerate(affines, start=1):
            grads[f"W{n}"] = layer.dW + self.weight_decay * layer.W if self.weight_decay else layer.dW
            grads[f"b{n}"] = layer.db
        norms = [layer for layer in self.layers if isinstance(layer, BatchNormalization)]
        for n, layer in enumerate(norms, start=1):
            grads[f"gamma{n}"], grads[f"beta{n}"] = layer.dgamma, layer.dbeta
        return loss, grads


class SGD:
    def __init__(self, lr=0.01):
        self.lr = float(lr)

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]


class Adam:
    """The book's Adam: m += (1 - b1)(g - m); v += (1 - b2)(g^2 - v);
    p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + 1e-7)."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2 = float(lr), float(beta1), float(beta2)
        self.iter = 0
        self.m = self.v = None

    def update(self, params, grads):
        if self.m is None:
            self.m = {key: np.zeros_like(value) for key, value in params.items()}
            self.v = {key: np.zeros_like(value) for key, value in params.items()}
        self.iter += 1
        lr_t = self.lr * math.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)
        for key in params:
            self.m[key] += (1 - self.beta1) * (grads[key] - self.m[key])
            self.v[key] += (1 - self.beta2) * (grads[key] ** 2 - self.v[key])
            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + 1e-7)
