import DLFSCore
import DLFSData
import DLFSNN
import Testing

@Suite("The chapter-3 network with sample_weight.pkl")
struct ThreeLayerNetTests {
    @Test("0.9352 on the MNIST test set, first predictions 7 2 1 0 4 1 4 9 6 9, at every batch size")
    func bookAccuracy() throws {
        let net = try ThreeLayerNet(parameters: RealData.sampleWeights(), inputSize: 784, outputSize: 10)
        #expect(net.sizes == [784, 50, 100, 10])
        let set = try RealData.mnistTest()
        let test = set.tensors()
        let labels = Labels<Float>.indices(set.labels.map(Int.init))
        for batchSize in [1, 100, 7, 10_000] {
            let classes = net.classify(test.images, batchSize: batchSize)
            #expect(Array(classes.prefix(10)) == [7, 2, 1, 0, 4, 1, 4, 9, 6, 9], "batch \(batchSize)")
            #expect(zip(classes, labels.classIndices).count { $0 == $1 } == 9352, "batch \(batchSize)")
            // The bytes of the image set, read as bytes, give the same classes; so do examples that must
            // be gathered row by row.
            #expect(net.classify(set, batchSize: batchSize) == classes, "image set, batch \(batchSize)")
            let gathered = TensorExamples(features: test.images, labels: labels.classIndices, classCount: 10)
            #expect(net.classify(gathered, batchSize: batchSize) == classes, "gathered, batch \(batchSize)")
        }
        #expect(net.accuracy(test.images, labels) == 0.9352)
        // In Double (the float32 weights widened), from the bytes and from a tensor alike.
        let double = try ThreeLayerNet(parameters: RealData.sampleWeights().mapValues { $0.converted(to: Double.self) })
        let fromBytes = double.classify(set, batchSize: 100)
        #expect(fromBytes == double.classify(test.images.converted(to: Double.self), batchSize: 100))
        #expect(zip(fromBytes, labels.classIndices).count { $0 == $1 } == 9352)
    }

    @Test("The fast path agrees with its general twin, the layered model: the same classes and probabilities")
    func agreesWithTheLayeredModel() throws {
        let parameters = try RealData.sampleWeights()
        let fast = try ThreeLayerNet(parameters: parameters, inputSize: 784, outputSize: 10)
        let layered = try Sequential<Float>.chapterThreeNet(parameters: parameters, inputSize: 784, outputSize: 10)
        #expect(layered.parameters.names == ["W1", "b1", "W2", "b2", "W3", "b3"])
        let set = try RealData.mnistTest()
        #expect(layered.accuracy(on: set) == 0.9352)
        let images = set.tensors().images
        let scores = layered.predict(images)
        #expect(scores.argmaxRows() == fast.classify(set, batchSize: 100))
        let difference = zip(softmax(scores).scalars, fast.predict(images).scalars).map { abs($0 - $1) }.max()!
        #expect(difference <= 1e-6, "largest difference of a probability: \(difference)")
        #expect(throws: NetworkParameterError.self) { try Sequential<Float>.chapterThreeNet(parameters: parameters, inputSize: 3072) }
    }

    @Test("Probabilities agree with NumPy float64 within 1e-5")
    func probabilities() throws {
        let net = try ThreeLayerNet(parameters: RealData.sampleWeights())
        let test = try RealData.mnistTest()
        // NumPy 2.4.6: the book's predict() in float64 over the float32 weights, x / 255.
        let expected: [Int: [Double]] = [
            0: [8.441250325382661e-05, 2.6350644827380275e-06, 0.0007154942379498258, 0.0012586262464386112,
                1.1727950968137632e-06, 4.499082177856493e-05, 1.6269317442735086e-08, 0.997064965930607,
                9.374473359791501e-06, 0.0008183116577155339],
            8: [0.0018853791505788683, 3.494866319114648e-05, 0.005789558157383193, 6.6576884591503276e-06,
                0.03381074651297097, 0.007376642362377013, 0.9499902260819822, 8.500375977126546e-06,
                0.0010030548097115428, 9.428619736864221e-05],
            9999: [0.0004288283388325231, 2.0043015195409535e-06, 0.0025405660413005816, 2.016889871210829e-06,
                   0.0005591770446474319, 0.0003126202963498749, 0.9961475988953976, 4.3499379605665926e-07,
                   6.375684254040757e-06, 3.775140311534741e-07],
        ]
        let rows = expected.keys.sorted()
        let y = net.predict(test.tensors(rows: rows).images)
        #expect(y.shape == [3, 10])
        for (r, row) in rows.enumerated() {
            for c in 0..<10 { #expect(abs(Double(y[r, c]) - expected[row]![c]) <= 1e-5, "image \(row), class \(c)") }
        }
    }

    @Test("Raw 0-255 inputs stay finite (the naive sigmoid overflows) and match NumPy")
    func unnormalizedInputs() throws {
        let net = try ThreeLayerNet(parameters: RealData.sampleWeights())
        let test = try RealData.mnistTest()
        let raw = test.tensors(normalize: false)
        let y = net.predict(raw.images)
        #expect(y.scalars.allSatisfy { $0.isFinite })
        // NumPy float64, normalize=False: accuracy 0.9207 and these probabilities for image 0.
        let row0 = [4.287898008746246e-06, 4.572927714496442e-07, 0.00018486266030252597, 8.360495242721763e-05,
                    1.508468257759217e-07, 6.318222183689623e-07, 4.578203696486389e-10, 0.9991947935368485,
                    3.8066921284283387e-07, 0.0005308298635642507]
        for c in 0..<10 { #expect(abs(Double(y[0, c]) - row0[c]) <= 1e-5, "class \(c)") }
        #expect(net.accuracy(raw.images, .indices(test.labels.map(Int.init))) == 0.9207)
    }

    @Test("Weights that do not fit are refused with what was expected and what was found")
    func mismatchedWeights() throws {
        var parameters = try RealData.sampleWeights()
        parameters["b3"] = Tensor(shape: [11], repeating: 0)
        func refusal(_ parameters: NetworkParameters<Float>, inputSize: Int? = nil, outputSize: Int? = nil) throws -> String {
            let error = #expect(throws: NetworkParameterError.self) {
                try ThreeLayerNet(parameters: parameters, inputSize: inputSize, outputSize: outputSize)
            }
            return try #require(error).description
        }
        #expect(try refusal(parameters) == "the weights do not fit the chapter-3 network (b3 does not match the 10 columns of W3): "
            + "expected W1 (input, h1), b1 (h1,), W2 (h1, h2), b2 (h2,), W3 (h2, output), b3 (output,); "
            + "found W1 (784, 50), W2 (50, 100), W3 (100, 10), b1 (50,), b2 (100,), b3 (11,)")
        parameters["b3"] = nil
        #expect(try refusal(parameters, inputSize: 784, outputSize: 10)
            .hasPrefix("the weights do not fit the chapter-3 network (b3 is missing): expected W1 (784, h1), b1 (h1,),"))
        parameters = try RealData.sampleWeights()
        #expect(try refusal(parameters, inputSize: 3072).contains("(the input has 3072 values, W1 has 784 rows)"))
        var poisoned = parameters["W2"]!
        poisoned[3, 4] = .nan
        parameters["W2"] = poisoned
        #expect(try refusal(parameters).contains("(W2 holds nan at element 304)"))
    }
}
