"""The layered network of the book's chapters 5 and 6 in NumPy: affine, ReLU and sigmoid layers with forward
and backward passes, softmax with cross-entropy as the last layer, a MultiLayerNet made of them, and the
SGD and Adam optimizers, all updating the parameter arrays in place.

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


class MultiLayerNet:
    """Affine and activation layers for each hidden width, then an affine layer and softmax with loss.
    Every weight matrix is scale * randn(fan_in, fan_out) with scale from `weight_init` (he, xavier or a
    standard deviation), the output layer's included as in the book; biases are 0."""

    ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid}

    def __init__(self, input_size, hidden_sizes, output_size, activation="relu", weight_init="he",
                 dtype=np.float32):
        sizes = [input_size, *hidden_sizes, output_size]
        self.params = {}
        self.layers = []
        for n in range(1, len(sizes)):
            # Drawn in float64 as np.random.randn gives it, then converted.
            scale = weight_scale(weight_init, sizes[n - 1])
            self.params[f"W{n}"] = (scale * np.random.randn(sizes[n - 1], sizes[n])).astype(dtype)
            self.params[f"b{n}"] = np.zeros(sizes[n], dtype=dtype)
            self.layers.append(Affine(self.params[f"W{n}"], self.params[f"b{n}"]))
            if n < len(sizes) - 1:
                self.layers.append(self.ACTIVATIONS[activation]())
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.last_layer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        y = np.argmax(self.predict(x), axis=1)
        return np.sum(y == np.argmax(t, axis=1)) / float(x.shape[0])

    def gradient(self, x, t):
        """The batch loss and the backprop gradients of every parameter, by the parameters' names."""
        loss = self.loss(x, t)
        dout = self.last_layer.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        grads = {}
        affines = [layer for layer in self.layers if isinstance(layer, Affine)]
        for n, layer in enumerate(affines, start=1):
            grads[f"W{n}"], grads[f"b{n}"] = layer.dW, layer.db
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
