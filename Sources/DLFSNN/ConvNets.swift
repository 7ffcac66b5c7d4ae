import DLFSCore

extension Sequential {
    /// The book's `SimpleConvNet` (ch07/simple_convnet.py): convolution → ReLU → 2×2 max pooling with
    /// stride 2 → affine → ReLU → affine, softmax with cross-entropy. Parameters W1 (filters, C, k, k), b1,
    /// W2 (filters·OH/2·OW/2, hidden), b2, W3 (hidden, outputs), b3, drawn in that order, biases zero; the
    /// book draws every weight with σ = `weight_init_std` (0.01). Examples are (C, H, W) images; rows of
    /// C·H·W values are reshaped to them.
    ///
    ///     var net = Sequential<Float>.simpleConvNet(using: &rng)          // MNIST: (1, 28, 28) → 10
    ///     try net.loadParameters(bookParameters)                          // the book's params.pkl
    public static func simpleConvNet(
        inputShape: (channels: Int, height: Int, width: Int) = (1, 28, 28), filters: Int = 30, filterSize: Int = 5,
        pad: Int = 0, stride: Int = 1, hiddenSize: Int = 100, outputSize: Int = 10,
        weightInit: WeightInit = .standardDeviation(0.01), using rng: inout SeededGenerator
    ) -> Sequential {
        precondition(hiddenSize > 0 && outputSize > 0, "simpleConvNet: hidden \(hiddenSize) and output \(outputSize) sizes must be positive")
        let conv = Convolution<Scalar>(filters: filters, channels: inputShape.channels, filterHeight: filterSize,
                                       filterWidth: filterSize, stride: stride, pad: pad, weightInit: weightInit, using: &rng)
        let convolved = conv.geometry(height: inputShape.height, width: inputShape.width)
        let pool = Pooling<Scalar>(poolHeight: 2, poolWidth: 2, stride: 2)
        let pooled = pool.geometry(channels: filters, height: convolved.outputHeight, width: convolved.outputWidth)
        let flattened = filters * pooled.positions
        let layers: [any Layer<Scalar>] = [
            conv, ReLU<Scalar>(), pool,
            Affine<Scalar>(flattened, hiddenSize, weightInit: weightInit, using: &rng), ReLU<Scalar>(),
            Affine<Scalar>(hiddenSize, outputSize, weightInit: weightInit, using: &rng),
        ]
        return Sequential(layers, inputShape: [inputShape.channels, inputShape.height, inputShape.width])
    }

    /// The filters and padding of `DeepConvNet`'s six 3×3 convolutions (stride 1), first to last.
    public static var deepConvNetConvolutions: [(filters: Int, pad: Int)] {
        [(16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1)]
    }

    /// The book's `DeepConvNet` (ch08/deep_convnet.py): three times [conv → ReLU → conv → ReLU → 2×2 max
    /// pool], then affine → ReLU → dropout → affine → dropout, softmax with cross-entropy; W1…W6 are the
    /// convolutions (`deepConvNetConvolutions`), W7 (64·4·4, hidden) and W8 (hidden, outputs) the affines.
    /// He initialisation σ = √(2 / fan-in) with each layer's fan-in C·3·3 or its inputs, which for 28×28
    /// images are the book's `pre_node_nums`; the dropout layers take their seeds from `rng` after the weights.
    ///
    ///     var net = Sequential<Float>.deepConvNet(using: &rng)
    ///     try net.loadParameters(bookParameters)                          // deep_convnet_params.pkl
    public static func deepConvNet(
        inputShape: (channels: Int, height: Int, width: Int) = (1, 28, 28), hiddenSize: Int = 50, outputSize: Int = 10,
        dropoutRatio: Double = 0.5, using rng: inout SeededGenerator
    ) -> Sequential {
        precondition(hiddenSize > 0 && outputSize > 0, "deepConvNet: hidden \(hiddenSize) and output \(outputSize) sizes must be positive")
        var layers: [any Layer<Scalar>] = []
        var (channels, height, width) = inputShape
        for (index, (filters, pad)) in deepConvNetConvolutions.enumerated() {
            let conv = Convolution<Scalar>(filters: filters, channels: channels, filterHeight: 3, filterWidth: 3, pad: pad,
                                           weightInit: .he, using: &rng)
            let g = conv.geometry(height: height, width: width)
            (channels, height, width) = (filters, g.outputHeight, g.outputWidth)
            layers += [conv, ReLU<Scalar>()]
            guard index % 2 == 1 else { continue }
            let pool = Pooling<Scalar>(poolHeight: 2, poolWidth: 2, stride: 2)
            let pooled = pool.geometry(channels: channels, height: height, width: width)
            (height, width) = (pooled.outputHeight, pooled.outputWidth)
            layers.append(pool)
        }
        let hidden = Affine<Scalar>(channels * height * width, hiddenSize, weightInit: .he, using: &rng)
        let output = Affine<Scalar>(hiddenSize, outputSize, weightInit: .he, using: &rng)
        layers += [hidden, ReLU<Scalar>(), Dropout<Scalar>(ratio: dropoutRatio, using: &rng),
                   output, Dropout<Scalar>(ratio: dropoutRatio, using: &rng)]
        return Sequential(layers, inputShape: [inputShape.channels, inputShape.height, inputShape.width])
    }
}
