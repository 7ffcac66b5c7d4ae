"""TwoLayerNet of the book's chapter 4 in NumPy: affine, sigmoid, affine, softmax with cross-entropy, with
the hand-written backprop `gradient` and the central-difference `numerical_gradient`.
"""

import numpy as np

from common import cross_entropy_error, sigmoid, softmax


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01, dtype=np.float64):
        # Drawn in float64 as the book does, then converted, so float32 and float64 start from the same draw.
        self.params = {
            "W1": (weight_init_std * np.random.randn(input_size, hidden_size)).astype(dtype),
            "b1": np.zeros(hidden_size, dtype=dtype),
            "W2": (weight_init_std * np.random.randn(hidden_size, output_size)).astype(dtype),
            "b2": np.zeros(output_size, dtype=dtype),
        }

    def predict(self, x):
        """x is (N, input); returns probabilities (N, output)."""
        p = self.params
        z1 = sigmoid(x @ p["W1"] + p["b1"])
        return softmax(z1 @ p["W2"] + p["b2"])

    def loss(self, x, t):
        return cross_entropy_error(self.predict(x), t)

    def accuracy(self, x, t):
        """Fraction of rows whose most probable class is the one-hot label's."""
        y = np.argmax(self.predict(x), axis=1)
        return np.sum(y == np.argmax(t, axis=1)) / float(x.shape[0])

    def gradient(self, x, t):
        """Backprop gradient of the mean cross-entropy over the batch: x (N, input), t one-hot (N, output)."""
        p = self.params
        n = x.shape[0]
        a1 = x @ p["W1"] + p["b1"]
        z1 = sigmoid(a1)
        y = softmax(z1 @ p["W2"] + p["b2"])
        dy = (y - t) / n                              # softmax + cross-entropy: (y - t) per sample
        grads = {"W2": z1.T @ dy, "b2": np.sum(dy, axis=0)}
        dz1 = dy @ p["W2"].T
        da1 = dz1 * (1 - sigmoid(a1)) * sigmoid(a1)   # sigmoid'(a) = (1 - s(a)) s(a), recomputed as the book
        grads["W1"] = x.T @ da1
        grads["b1"] = np.sum(da1, axis=0)
        return grads

    def numerical_gradient(self, x, t, h=1e-4):
        """Central difference (f(w + h) - f(w - h)) / 2h of the loss for every parameter element."""
        return {key: numerical_gradient(lambda _: self.loss(x, t), self.params[key], h)
                for key in ("W1", "b1", "W2", "b2")}


def numerical_gradient(f, w, h=1e-4):
    """Gradient of f at w by central differences, perturbing w in place one element at a time."""
    grad = np.zeros_like(w)
    flat_w = w.reshape(-1)   # a view: writes reach w
    flat_g = grad.reshape(-1)
    for i in range(flat_w.size):
        saved = flat_w[i]
        flat_w[i] = saved + h
        f_plus = f(w)
        flat_w[i] = saved - h
        f_minus = f(w)
        flat_g[i] = (f_plus - f_minus) / (2 * h)
        flat_w[i] = saved
    return grad
