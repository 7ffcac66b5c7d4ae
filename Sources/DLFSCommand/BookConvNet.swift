import DLFS
import Foundation

/// The book's ConvNets as `dlfs` names them: `infer` and the experiments load their trained pickles,
/// `train` builds them fresh, `gradcheck` checks the small one.
enum BookConvNet: String, CaseIterable {
    case simpleConvNet = "simple-convnet", deepConvNet = "deep-convnet"

    /// The book's file of its trained parameters.
    var weightFile: String { self == .simpleConvNet ? "params.pkl" : "deep_convnet_params.pkl" }

    /// The book's script that trains this net (its defaults are `dlfs train --model`'s).
    var trainingScript: String { self == .simpleConvNet ? "ch07/train_convnet.py" : "ch08/train_deepnet.py" }

    /// The size of the hidden affine layer in the book's configuration.
    var hiddenSize: Int { self == .simpleConvNet ? 100 : 50 }

    /// The net in the book's configuration for (C, H, W) images and `classes` outputs; `hiddenSize` nil
    /// keeps the book's. SimpleConvNet draws its weights with `weightInit` (the book: σ 0.01),
    /// DeepConvNet always with He's σ as the book does.
    func model<S: TensorScalar>(_: S.Type = S.self, inputShape: (channels: Int, height: Int, width: Int) = (1, 28, 28),
                                classes: Int = 10, hiddenSize: Int? = nil, weightInit: WeightInit = .standardDeviation(0.01),
                                using rng: inout SeededGenerator) -> Sequential<S> {
        switch self {
        case .simpleConvNet:
            .simpleConvNet(inputShape: inputShape, hiddenSize: hiddenSize ?? self.hiddenSize, outputSize: classes,
                           weightInit: weightInit, using: &rng)
        case .deepConvNet:
            .deepConvNet(inputShape: inputShape, hiddenSize: hiddenSize ?? self.hiddenSize, outputSize: classes, using: &rng)
        }
    }

    /// The net for MNIST with the parameters of a weight file (the book's pickle, or safetensors with the
    /// same names); errors name the file.
    func trained<S: TensorScalar>(_: S.Type = S.self, weights path: String) throws -> Sequential<S> {
        var rng = SeededGenerator(seed: 0)
        var model = model(S.self, using: &rng)
        try model.loadParameters(contentsOf: path)
        return model
    }
}
