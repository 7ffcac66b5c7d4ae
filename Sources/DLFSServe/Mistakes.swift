import DLFS
import Foundation

/// A model's verdict on a whole test set: every image's probabilities, the confusion matrix and the
/// misclassified images, computed once per model and kept.
struct TestSetVerdict: Sendable {
    var predictions: [Int]
    /// (images, classes) probabilities, row-major.
    var probabilities: [Float]
    var classCount: Int
    /// confusion[t][p]: images of true class t predicted as p.
    var confusion: [[Int]]
    /// Indices of the images whose prediction is not their label, in test-set order.
    var mistakes: [Int]

    init(_ model: ServedModel, on set: ImageSet, blockSize: Int = 500) {
        classCount = set.classCount
        predictions = []
        probabilities = []
        probabilities.reserveCapacity(set.count * classCount)
        for start in stride(from: 0, to: set.count, by: blockSize) {
            let block = model.probabilities(set, rows: start..<min(set.count, start + blockSize))
            predictions += block.argmaxRows()
            probabilities += block.scalars
        }
        confusion = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        mistakes = []
        for (index, predicted) in predictions.enumerated() {
            let label = set.label(at: index)
            confusion[label][predicted] += 1
            if predicted != label { mistakes.append(index) }
        }
    }
}

/// What `GET /api/mistakes` answers.
struct MistakesReport: Encodable {
    struct Mistake: Encodable {
        var index, label, prediction: Int
        var probabilities: [Float]
        /// The 28 × 28 grey levels, base64, row-major: the page paints them without another request.
        var pixels: String
    }

    var model, dataset: String
    var count, correct, mistakeCount: Int
    var accuracy: Double
    var confusion: [[Int]]
    /// The filter applied (nil: any class).
    var trueClass, predictedClass: Int?
    var mistakes: [Mistake]

    init(_ verdict: TestSetVerdict, model: String, dataset: String, set: ImageSet, trueClass: Int?, predictedClass: Int?) {
        (self.model, self.dataset, self.trueClass, self.predictedClass) = (model, dataset, trueClass, predictedClass)
        count = set.count
        mistakeCount = verdict.mistakes.count
        correct = count - mistakeCount
        accuracy = Double(correct) / Double(max(count, 1))
        confusion = verdict.confusion
        let k = verdict.classCount
        mistakes = verdict.mistakes.lazy
            .filter { trueClass == nil || set.label(at: $0) == trueClass }
            .filter { predictedClass == nil || verdict.predictions[$0] == predictedClass }
            .map { index in
                Mistake(index: index, label: set.label(at: index), prediction: verdict.predictions[index],
                        probabilities: Array(verdict.probabilities[index * k ..< (index + 1) * k]),
                        pixels: Data(set.image(at: index)).base64EncodedString())
            }
    }
}
