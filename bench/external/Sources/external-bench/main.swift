import DLFS
@_spi(Benchmarks) import DLFSNN
import Foundation

/// `external-bench ops [--samples N]`: each hot operation called from this package and from inside DLFS,
/// alternately, on one thread, as a JSON object of median microseconds. `external-bench loop [--data-dir D]
/// [--threads N] [--image-set] [--background-evaluation]`: the book's chapter-5 training loop written here as a
/// user writes it, as JSON seconds and accuracies (`--threads 1` to compare with `dlfs train --threads 1`, which
/// then evaluates in line too; `--image-set` for batches drawn as `dlfs train` draws them, see `LoopData`;
/// `--background-evaluation` for the evaluations on another thread, as `dlfs train` runs them, see `trainingLoop`).
let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { arguments.index(after: $0) < arguments.endIndex ? arguments[$0 + 1] : nil }
}
if let threads = option("--threads").flatMap(Int.init) { ComputeThreads.count = threads }

func printJSON(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

/// The operations of `OperationBenchmarks.timeInside`, written out here, in the same order.
func timeOutside(_ o: inout OperationBenchmarks, samples: Int) -> [Double] {
    var sgd = SGD<Float>(learningRate: 0.1)
    let gradients = o.net.gradient(o.batch, .indices(o.labels))
    return [
        medianMicroseconds(samples) { sgd.update(&o.weights, gradient: o.weightGradient, name: "W1") },
        medianMicroseconds(samples) { blackHole(softmax(o.scores)) },
        medianMicroseconds(samples) { blackHole(o.scores.sum(axis: 0)) },
        medianMicroseconds(samples) { blackHole(o.scores * o.other + o.scores) },
        medianMicroseconds(samples) { o.scores -= 0.1 * o.other },
        medianMicroseconds(samples) { blackHole(o.batch.matmul(o.weights)) },
        medianMicroseconds(samples) { blackHole(o.batch.gatherRows(o.rows)) },
        medianMicroseconds(samples) { blackHole(crossEntropyError(o.probabilities, labels: o.labels)) },
        medianMicroseconds(samples) {
            blackHole(o.affine.backward(o.affine.forward(o.batch, isTraining: true), needsInputGradient: true))
        },
        medianMicroseconds(samples) { blackHole(o.net.gradient(o.batch, .indices(o.labels))) },
        medianMicroseconds(samples) { sgd.update(&o.net, with: gradients) },
    ]
}

func operations() {
    let samples = option("--samples").flatMap(Int.init) ?? 2000
    let rounds = 5
    var inside: [[Double]] = [], outside: [[Double]] = []
    var operands = OperationBenchmarks()
    ComputeThreads.withLimit(1) {
        for _ in 0..<rounds {
            inside.append(operands.timeInside(samples: samples))
            outside.append(timeOutside(&operands, samples: samples))
        }
    }
    func median(_ runs: [[Double]], _ k: Int) -> Double { runs.map { $0[k] }.sorted()[runs.count / 2] }
    let rows = OperationBenchmarks.names.indices.map { k -> [String: Any] in
        ["operation": OperationBenchmarks.names[k], "insideMicroseconds": median(inside, k),
         "outsideMicroseconds": median(outside, k)]
    }
    printJSON(["samples": samples, "rounds": rounds, "operations": rows])
}

/// Where the loop takes its batches and accuracies from: the book's way, whole-set Float tensors
/// (`x_train[batch_mask]`, `accuracy(x_train, t_train)`), or with `--image-set` DLFS's image sets (each batch
/// converted from the bytes as it is drawn, `accuracy(on:)` in blocks), as `dlfs train` reads them.
struct LoopData {
    var trainCount: Int
    var batch: ([Int]) -> (x: Tensor<Float>, t: [Int])
    var accuracies: @Sendable (Sequential<Float>) -> (train: Double, test: Double)

    init(imageSets: Bool) throws {
        if imageSets {
            let data = try Dataset.load(.fashionMNIST, dataDir: option("--data-dir"))
            let (trainSet, testSet) = (try data.split(.train), try data.split(.test))
            trainCount = trainSet.count
            batch = { mask in (trainSet.tensors(rows: mask).images, mask.map { trainSet.label(at: $0) }) }
            accuracies = { net in (net.accuracy(on: trainSet), net.accuracy(on: testSet)) }
        } else {
            let (training, test) = try Dataset.loadTensors(.fashionMNIST, dataDir: option("--data-dir"))
            let tTrain = training.labels.classIndices
            trainCount = tTrain.count
            batch = { mask in (training.images.gatherRows(mask), mask.map { tTrain[$0] }) }
            accuracies = { net in (net.accuracy(training.images, training.labels), net.accuracy(test.images, test.labels)) }
        }
    }
}

/// The book's `train_neuralnet.py` (chapter 5) on Fashion-MNIST, float32: 10,000 iterations of a batch of
/// 100 drawn with replacement, SGD with learning rate 0.1, train and test accuracy once an epoch. With
/// `backgroundEvaluation`, as the DocC chapter-5 article shows: each epoch's accuracies by a
/// `BackgroundEvaluator` (on another thread when there are two), the steps on the threads it leaves them.
func trainingLoop(_ data: LoopData, backgroundEvaluation: Bool) {
    var rng = SeededGenerator(seed: 42)
    var net = Sequential<Float>.twoLayerNet(inputSize: 784, hiddenSize: 50, outputSize: 10, activation: .relu, using: &rng)
    var optimizer = SGD<Float>(learningRate: 0.1)
    let (iterations, trainSize, batchSize) = (10_000, data.trainCount, 100)
    let iterationsPerEpoch = max(trainSize / batchSize, 1)
    let evaluator = backgroundEvaluation ? BackgroundEvaluator<(train: Double, test: Double)>() : nil
    var accuracies: [(train: Double, test: Double)] = []
    var lastLoss: Float = 0
    var stepSeconds = 0.0  // not the book's: the steps without the evaluations, as `dlfs train` reports them
    let start = Date()
    for i in 0..<iterations {
        let stepStart = Date()
        let batchMask = (0..<batchSize).map { _ in rng.nextIndex(below: trainSize) }
        let (xBatch, tBatch) = data.batch(batchMask)
        func step() {
            let (loss, gradients) = net.lossAndGradient(xBatch, .indices(tBatch))
            optimizer.update(&net, with: gradients)
            lastLoss = loss
        }
        if let evaluator { ComputeThreads.withLimit(evaluator.threadsForSteps, step) } else { step() }
        stepSeconds += Date().timeIntervalSince(stepStart)
        if let evaluator {
            if i % iterationsPerEpoch == 0 { evaluator.submit(net, data.accuracies) }
            accuracies += evaluator.takeFinished()
        } else if i % iterationsPerEpoch == 0 {
            accuracies.append(data.accuracies(net))
        }
    }
    if let evaluator { accuracies += evaluator.waitForAll() }
    let seconds = Date().timeIntervalSince(start)
    printJSON(["seconds": seconds, "stepSeconds": stepSeconds, "lastLoss": Double(lastLoss),
               "epochs": accuracies.map { ["trainAccuracy": $0.train, "testAccuracy": $0.test] },
               "backgroundEvaluation": evaluator?.runsInBackground ?? false, "testAccuracy": data.accuracies(net).test])
}

switch arguments.first {
case "ops": operations()
case "loop":
    trainingLoop(try LoopData(imageSets: arguments.contains("--image-set")),
                 backgroundEvaluation: arguments.contains("--background-evaluation"))
default:
    print("usage: external-bench ops [--samples N] | loop [--data-dir D] [--threads N] [--image-set] [--background-evaluation]")
    exit(2)
}
