import DLFSCore
import DLFSNN
import Testing

/// Five steps of each optimizer on W (2, 3) and b (3) with the gradient g = 2p − 1, against the book's own
/// `common/optimizer.py` run by NumPy 2.4 (float64 and float32 arrays, Python-float hyperparameters).
@Suite("Optimizers: the book's formulas")
struct OptimizerTests {
    static let expected: [String: (W: [Double], b: [Double])] = [
        "sgd float64": (W: [0.5, -0.07343999999999992, 0.9915200000000001, 0.58192, 0.237856, 0.6966080000000001],
            b: [0.36892800000000003, 0.27062400000000003, 0.352544]),
        "sgd float32": (W: [0.5, -0.07343998551368713, 0.9915200471878052, 0.5819199681282043, 0.23785600066184998, 0.6966080069541931],
            b: [0.3689280152320862, 0.2706240117549896, 0.35254400968551636]),
        "momentum float64": (W: [0.5, 1.5157349999999998, -0.3706299999999999, 0.35489499999999996, 0.9643360000000001, 0.15174799999999988],
            b: [0.7321680000000002, 0.9062940000000002, 0.761189]),
        "momentum float32": (W: [0.5, 1.5157349109649658, -0.3706298768520355, 0.3548950254917145, 0.9643359780311584, 0.1517479568719864],
            b: [0.7321680188179016, 0.9062939882278442, 0.7611889243125916]),
        "nesterov float64": (W: [0.5, 1.2275057664000002, -0.12357637120000023, 0.39607060479999995, 0.8325740646400002, 0.2505694515199999],
            b: [0.66628703232, 0.7910023065600001, 0.68707291136]),
        "nesterov float32": (W: [0.5, 1.2275058031082153, -0.12357637286186218, 0.3960706293582916, 0.8325740694999695, 0.2505694031715393],
            b: [0.6662870645523071, 0.7910023331642151, 0.6870729327201843]),
        "adagrad float64": (W: [0.5, 0.01551903063598159, 0.805291896043705, 0.4954690171831011, 0.49066987740343954, 0.5001010084390043],
            b: [0.5001998425870002, 0.49802530465204553, 0.5000059079534364]),
        "adagrad float32": (W: [0.5, 0.015519052743911743, 0.8052918910980225, 0.49546900391578674, 0.4906698763370514, 0.5001010298728943],
            b: [0.5001998543739319, 0.4980252981185913, 0.5000059008598328]),
        "rmsprop float64": (W: [0.5, 0.020192405509269665, 0.8012568318092889, 0.494827100770407, 0.4912708637820821, 0.500079505800562],
            b: [0.5002618569509786, 0.49822792226749285, 0.5000096919987358]),
        "rmsprop float32": (W: [0.5, 0.02019243687391281, 0.8012567758560181, 0.4948270916938782, 0.49127086997032166, 0.5000795125961304],
            b: [0.5002618432044983, 0.49822792410850525, 0.5000097155570984]),
        "adam float64": (W: [0.5, 0.18861422394688615, 0.5834443428168421, 0.542984006265715, 0.8775628934995703, 0.14871503439269215],
            b: [0.6758466452030217, 0.8807256134290802, 0.7348901995276461]),
        "adam float32": (W: [0.5, 0.18861417472362518, 0.583444356918335, 0.5429840087890625, 0.877562940120697, 0.14871501922607422],
            b: [0.6758466362953186, 0.880725622177124, 0.7348902225494385]),
    ]

    static let learningRates: [OptimizerName: Double] = [.sgd: 0.1, .momentum: 0.1, .nesterov: 0.1, .adagrad: 0.5, .rmsprop: 0.05, .adam: 0.3]

    /// The five steps, through the protocol as a model's parameters would go.
    static func run<S: TensorScalar>(_ name: OptimizerName, _: S.Type) -> NamedTensors<S> {
        var parameters = NamedTensors<S>(names: ["W", "b"], tensors: [
            Tensor(shape: [2, 3], scalars: [0.5, -1.25, 2.0, 0.75, -0.3, 1.1]), Tensor([0.1, -0.2, 0.05]),
        ])
        var optimizer = name.make(S.self, learningRate: learningRates[name]!)
        for _ in 0..<5 {
            let gradients = NamedTensors(names: parameters.names, tensors: parameters.tensors.map { $0 * 2 - 1 })
            optimizer.update(&parameters, with: gradients)
        }
        return parameters
    }

    @Test("Double: NumPy float64 to the last bit", arguments: OptimizerName.allCases)
    func double(name: OptimizerName) throws {
        let result = Self.run(name, Double.self)
        let expected = try #require(Self.expected["\(name.rawValue) float64"])
        #expect(result["W"]!.scalars == expected.W)
        #expect(result["b"]!.scalars == expected.b)
    }

    /// NumPy 2 computes Adam's last product in float64 (its lr_t is a NumPy float64 scalar), so float32 results
    /// may differ in the last bit or two.
    @Test("Float: NumPy float32 within 2e-7 relative", arguments: OptimizerName.allCases)
    func float(name: OptimizerName) throws {
        let result = Self.run(name, Float.self)
        let expected = try #require(Self.expected["\(name.rawValue) float32"])
        for (got, want) in zip(result["W"]!.scalars + result["b"]!.scalars, expected.W + expected.b) {
            #expect(abs(Double(got) - want) <= 2e-7 * max(abs(want), 1e-3), "\(name): \(got) against \(want)")
        }
    }

    /// A parameter large enough that its update is shared among the threads (150,000 elements, the six of W
    /// over and over): every element ends where the small run's does, to the bit.
    @Test("A large parameter's update, split among threads, gives the NumPy values of each element", arguments: OptimizerName.allCases)
    func large(name: OptimizerName) throws {
        let expected = try #require(Self.expected["\(name.rawValue) float64"])
        let start: [Double] = [0.5, -1.25, 2.0, 0.75, -0.3, 1.1]
        var parameters = NamedTensors<Double>(names: ["W"], tensors: [Tensor(shape: [25_000, 6], scalars: (0..<150_000).map { start[$0 % 6] })])
        var optimizer = name.make(Double.self, learningRate: Self.learningRates[name]!)
        ComputeThreads.withLimit(2) {
            for _ in 0..<5 {
                optimizer.update(&parameters, with: NamedTensors(names: ["W"], tensors: [parameters["W"]! * 2 - 1]))
            }
        }
        let result = parameters["W"]!.scalars
        #expect(result.indices.allSatisfy { result[$0] == expected.W[$0 % 6] }, "\(name)")
    }

    @Test("State is created on the first update and kept per parameter name; Adam counts its steps")
    func state() {
        var adam = Adam<Double>(learningRate: 0.1)
        var p = NamedTensors<Double>(names: ["a"], tensors: [Tensor([1.0])])
        let g = NamedTensors<Double>(names: ["a"], tensors: [Tensor([0.5])])
        adam.update(&p, with: g)
        // First step from zero state: m = (1 − β₁)g, v = (1 − β₂)g², lr_t = lr·√(1 − β₂)/(1 − β₁).
        let (m, v, lrT) = ((1 - 0.9) * 0.5, (1 - 0.999) * (0.5 * 0.5), 0.1 * (1 - 0.999).squareRoot() / (1 - 0.9))
        #expect(p["a"]!.scalars == [1 - lrT * m / (v.squareRoot() + 1e-7)])
        #expect(adam.iteration == 1)
        var momentum = Momentum<Double>(learningRate: 1, momentum: 0.5)
        var q = NamedTensors<Double>(names: ["x", "y"], tensors: [Tensor([0.0]), Tensor([0.0])])
        momentum.update(&q, with: NamedTensors(names: ["x", "y"], tensors: [Tensor([1.0]), Tensor([0.0])]))
        momentum.update(&q, with: NamedTensors(names: ["x", "y"], tensors: [Tensor([0.0]), Tensor([1.0])]))
        // x: v = −1 then −0.5 → −1.5; y: v = 0 then −1 → −1.
        #expect(q["x"]!.scalars == [-1.5] && q["y"]!.scalars == [-1])
    }

    @Test("The default learning rates are the book's classes'")
    func defaults() {
        #expect(OptimizerName.allCases.map(\.defaultLearningRate) == [0.01, 0.01, 0.01, 0.01, 0.01, 0.001])
        #expect(SGD<Float>().learningRate == 0.01 && Adam<Float>().learningRate == 0.001 && RMSprop<Float>().decayRate == 0.99)
    }
}
