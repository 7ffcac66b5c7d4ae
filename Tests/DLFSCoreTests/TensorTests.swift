import Testing
import DLFSCore

/// N-dimensional tensor operations against values computed with NumPy in float64, for Float and Double.
@Suite("Tensor")
struct TensorTests {
    /// A (2, 3, 4) and a (2, 3, 2, 3) tensor of one-decimal values in [-5, 5], row-major.
    static let x3: [Double] = [
        1.3, 4, 2.8, -2.7, -2, 3.7, -4.9, 3.2, 3, -0.3, -2, -2.2, -2.5, -0.5, 0, 0.5, 5, 2.9, 1.2, 4.9, -2.8,
        -3.4, 1.1, -4.6,
    ]
    static let x4: [Double] = [
        -4.6, 0.1, -0.3, 4.2, 1.3, 0.1, 0, -2.5, -4.9, -3.1, 1.9, -3, -1.3, -5, 3.3, -3.5, -2.3, 3.8, 0.1, 3.5,
        1.4, 2.4, -4.1, 0.4, 0.1, 3.7, -1.4, 1, -4.4, -1.1, -1.8, -3.5, 3.2, -1.2, 4.8, 0.9,
    ]

    // MARK: Broadcasting

    @Test("(2, 3, 1) with (1, 4) broadcasts both operands to (2, 3, 4), in either order")
    func broadcastsBothOperands() {
        func check<S: TensorScalar>(_: S.Type) {
            let a = tensor(S.self, [2, 3, 1], [1, 2, 3, 4, 5, 6]), b = tensor(S.self, [1, 4], [0.5, 1.5, 2.5, 3.5])
            expectTensor(a + b, [2, 3, 4], [
                1.5, 2.5, 3.5, 4.5, 2.5, 3.5, 4.5, 5.5, 3.5, 4.5, 5.5, 6.5, 4.5, 5.5, 6.5, 7.5, 5.5, 6.5, 7.5,
                8.5, 6.5, 7.5, 8.5, 9.5,
            ])
            expectTensor(b - a, [2, 3, 4], [
                -0.5, 0.5, 1.5, 2.5, -1.5, -0.5, 0.5, 1.5, -2.5, -1.5, -0.5, 0.5, -3.5, -2.5, -1.5, -0.5, -4.5,
                -3.5, -2.5, -1.5, -5.5, -4.5, -3.5, -2.5,
            ])
        }
        check(Float.self); check(Double.self)
    }

    @Test("(4) with (3, 1) gives (3, 4): the lower-rank operand is aligned from the right")
    func broadcastsVectorAgainstColumn() {
        func check<S: TensorScalar>(_: S.Type) {
            let result = Tensor<S>([1, 2, 3, 4]) - tensor(S.self, [3, 1], [10, 20, 30])
            expectTensor(result, [3, 4], [-9, -8, -7, -6, -19, -18, -17, -16, -29, -28, -27, -26])
        }
        check(Float.self); check(Double.self)
    }

    @Test("a one-element operand on either side, and one of higher rank that lifts the result's rank")
    func broadcastsOneElement() {
        func check<S: TensorScalar>(_: S.Type) {
            let m = tensor(S.self, [2, 3], [1, 2, 3, 4, 5, 6])
            expectTensor(m / Tensor<S>([4]), [2, 3], [0.25, 0.5, 0.75, 1, 1.25, 1.5])
            expectTensor(tensor(S.self, [1, 1], [10]) - m, [2, 3], [9, 8, 7, 6, 5, 4])
            expectTensor(m * Tensor(shape: [1, 1, 1], repeating: 3), [1, 2, 3], [3, 6, 9, 12, 15, 18])
        }
        check(Float.self); check(Double.self)
    }

    @Test("a row vector over every row of a rank-3 tensor, on either side")
    func broadcastsRow() {
        func check<S: TensorScalar>(_: S.Type) {
            let x = tensor(S.self, [2, 3, 4], Self.x3), row: [Double] = [1, 2, 3, 4]
            expectTensor(x - tensor(S.self, [4], row), [2, 3, 4], [
                0.3, 2, -0.2, -6.7, -3, 1.7, -7.9, -0.8, 2, -2.3, -5, -6.2, -3.5, -2.5, -3, -3.5, 4, 0.9, -1.8,
                0.9, -3.8, -5.4, -1.9, -8.6,
            ])
            expectTensor(tensor(S.self, [1, 4], row) - x, [2, 3, 4], [
                -0.3, -2, 0.2, 6.7, 3, -1.7, 7.9, 0.8, -2, 2.3, 5, 6.2, 3.5, 2.5, 3, 3.5, -4, -0.9, 1.8, -0.9,
                3.8, 5.4, 1.9, 8.6,
            ])
            let m = tensor(S.self, [2, 3], [1, 2, 3, 4, 5, 6])
            expectTensor(m + tensor(S.self, [1, 1, 3], [0.25, 0.5, 0.75]), [1, 2, 3], [
                1.25, 2.5, 3.75, 4.25, 5.5, 6.75,
            ])
        }
        check(Float.self); check(Double.self)
    }

    @Test("a column of row maxima subtracted from each row (the softmax shift), and (2, 1, 3, 1) × (2, 1, 2)")
    func broadcastsStrided() {
        func check<S: TensorScalar>(_: S.Type) {
            let s = tensor(S.self, [3, 4], Array(Self.x3.prefix(12)))
            expectTensor(s - s.max(axis: 1, keepingDimension: true), [3, 4], [
                -2.7, 0, -1.2, -6.7, -5.7, 0, -8.6, -0.5, 0, -3.3, -5, -5.2,
            ])
            let p = tensor(S.self, [2, 1, 3, 1], [1, 2, 3, 4, 5, 6]), q = tensor(S.self, [2, 1, 2], [1, -1, 2, -2])
            expectTensor(p * q, [2, 2, 3, 2], [
                1, -1, 2, -2, 3, -3, 2, -2, 4, -4, 6, -6, 4, -4, 5, -5, 6, -6, 8, -8, 10, -10, 12, -12,
            ])
        }
        check(Float.self); check(Double.self)
    }

    @Test("equal shapes combine element by element; += takes an operand that broadcasts to its own shape")
    func sameShapeAndInPlace() {
        func check<S: TensorScalar>(_: S.Type) {
            let x = tensor(S.self, [2, 3, 4], Self.x3)
            expectTensor(x * x, [2, 3, 4], [
                1.69, 16, 7.84, 7.29, 4, 13.69, 24.01, 10.24, 9, 0.09, 4, 4.84, 6.25, 0.25, 0, 0.25, 25, 8.41,
                1.44, 24.01, 7.84, 11.56, 1.21, 21.16,
            ])
            let m = tensor(S.self, [2, 3], [1, 2, 3, 4, 5, 6])
            var w = m
            w += tensor(S.self, [3], [0.5, -1, 2])
            expectTensor(w, [2, 3], [1.5, 1, 5, 4.5, 4, 8])
            w -= m
            expectTensor(w, [2, 3], [0.5, -1, 2, 0.5, -1, 2])
            expectTensor(m, [2, 3], [1, 2, 3, 4, 5, 6])
        }
        check(Float.self); check(Double.self)
    }

    // MARK: Reductions

    /// NumPy's `x.sum(axis=a)`, `x.mean(axis=a)` and `x.max(axis=a)`, row-major.
    struct Reduced: Sendable {
        let sum: [Double], mean: [Double], max: [Double]
    }

    /// For x3, axes 0, 1, 2.
    static let x3Reduced: [Reduced] = [
        Reduced(
            sum: [-1.2, 3.5, 2.8, -2.2, 3, 6.6, -3.7, 8.1, 0.2, -3.7, -0.9, -6.8],
            mean: [-0.6, 1.75, 1.4, -1.1, 1.5, 3.3, -1.85, 4.05, 0.1, -1.85, -0.45, -3.4],
            max: [1.3, 4, 2.8, 0.5, 5, 3.7, 1.2, 4.9, 3, -0.3, 1.1, -2.2]),
        Reduced(
            sum: [2.3, 7.4, -4.1, -1.7, -0.3, -1, 2.3, 0.8],
            mean: [0.76666667, 2.4666667, -1.3666667, -0.56666667, -0.1, -0.33333333, 0.76666667, 0.26666667],
            max: [3, 4, 2.8, 3.2, 5, 2.9, 1.2, 4.9]),
        Reduced(
            sum: [5.4, 0, -1.5, -2.5, 14, -9.7],
            mean: [1.35, 0, -0.375, -0.625, 3.5, -2.425],
            max: [4, 3.7, 3, 0.5, 5, 1.1]),
    ]

    /// For x4, axes 0, 1, 2, 3.
    static let x4Reduced: [Reduced] = [
        Reduced(
            sum: [
                -4.5, 3.6, 1.1, 6.6, -2.8, 0.5, 0.1, 1.2, -6.3, -2.1, -2.5, -4.1, -3.1, -8.5, 6.5, -4.7, 2.5,
                4.7,
            ],
            mean: [
                -2.25, 1.8, 0.55, 3.3, -1.4, 0.25, 0.05, 0.6, -3.15, -1.05, -1.25, -2.05, -1.55, -4.25, 3.25,
                -2.35, 1.25, 2.35,
            ],
            max: [0.1, 3.5, 1.4, 4.2, 1.3, 0.4, 0.1, 3.7, -1.4, 1, 1.9, -1.1, -1.3, -3.5, 3.3, -1.2, 4.8, 3.8]),
        Reduced(
            sum: [-5.9, -7.4, -1.9, -2.4, 0.9, 0.9, -1.6, 3.7, 3.2, 2.2, -3.7, 0.2],
            mean: [
                -1.9666667, -2.4666667, -0.63333333, -0.8, 0.3, 0.3, -0.53333333, 1.2333333, 1.0666667,
                0.73333333, -1.2333333, 0.066666667,
            ],
            max: [0, 0.1, 3.3, 4.2, 1.9, 3.8, 0.1, 3.7, 3.2, 2.4, 4.8, 0.9]),
        Reduced(
            sum: [
                -0.4, 1.4, -0.2, -3.1, -0.6, -7.9, -4.8, -7.3, 7.1, 2.5, -0.6, 1.8, 1.1, -0.7, -2.5, -3, 1.3,
                4.1,
            ],
            mean: [
                -0.2, 0.7, -0.1, -1.55, -0.3, -3.95, -2.4, -3.65, 3.55, 1.25, -0.3, 0.9, 0.55, -0.35, -1.25,
                -1.5, 0.65, 2.05,
            ],
            max: [4.2, 1.3, 0.1, 0, 1.9, -3, -1.3, -2.3, 3.8, 2.4, 3.5, 1.4, 1, 3.7, -1.1, -1.2, 4.8, 3.2]),
        Reduced(
            sum: [-4.8, 5.6, -7.4, -4.2, -3, -2, 5, -1.3, 2.4, -4.5, -2.1, 4.5],
            mean: [
                -1.6, 1.8666667, -2.4666667, -1.4, -1, -0.66666667, 1.6666667, -0.43333333, 0.8, -1.5, -0.7,
                1.5,
            ],
            max: [0.1, 4.2, 0, 1.9, 3.3, 3.8, 3.5, 2.4, 3.7, 1, 3.2, 4.8]),
    ]

    @Test("sum, mean and max along every axis of a rank-3 tensor, by positive and negative axis, keeping it or not")
    func reducesRank3() {
        checkReductions(Float.self, [2, 3, 4], Self.x3, Self.x3Reduced)
        checkReductions(Double.self, [2, 3, 4], Self.x3, Self.x3Reduced)
    }

    @Test("sum, mean and max along every axis of a rank-4 tensor, by positive and negative axis, keeping it or not")
    func reducesRank4() {
        checkReductions(Float.self, [2, 3, 2, 3], Self.x4, Self.x4Reduced)
        checkReductions(Double.self, [2, 3, 2, 3], Self.x4, Self.x4Reduced)
    }

    func checkReductions<S: TensorScalar>(_: S.Type, _ shape: [Int], _ values: [Double], _ expected: [Reduced]) {
        let x = tensor(S.self, shape, values)
        for (axis, reduced) in expected.enumerated() {
            var kept = shape, dropped = shape
            kept[axis] = 1
            dropped.remove(at: axis)
            for a in [axis, axis - shape.count] {
                expectTensor(x.sum(axis: a), dropped, reduced.sum)
                for keep in [false, true] {
                    let resultShape = keep ? kept : dropped
                    expectTensor(x.sum(axis: a, keepingDimension: keep), resultShape, reduced.sum)
                    expectTensor(x.mean(axis: a, keepingDimension: keep), resultShape, reduced.mean)
                    expectTensor(x.max(axis: a, keepingDimension: keep), resultShape, reduced.max)
                }
            }
        }
    }

    @Test("a rank-1 tensor reduces to rank 0 (or (1) when kept), and an empty axis sums to zeros")
    func reducesToRankZeroAndOverEmptyAxis() {
        let v = Tensor<Double>([1, 2, 3])
        expectTensor(v.sum(axis: 0), [], [6])
        expectTensor(v.sum(axis: 0, keepingDimension: true), [1], [6])
        expectTensor(v.mean(axis: -1), [], [2])
        expectTensor(Tensor<Float>.zeros([0, 3]).sum(axis: 0), [3], [0, 0, 0])
    }

    /// Wide lines are summed a vector of columns at a time: each sum must still add the lines in order, as
    /// NumPy's `x.sum(axis=0)` does for a C-contiguous array, to the bit, tail columns included.
    @Test("sums along an axis add the lines in order to the bit, vectors of columns and the tail alike")
    func wideSumsAddLinesInOrder() {
        func check<S: TensorScalar>(_: S.Type, _ shape: [Int], axis: Int) {
            var rng = SeededGenerator(seed: UInt64(shape.reduce(0, +)))
            let x = Tensor<S>.randomNormal(shape, using: &rng)
            let outer = shape[..<axis].reduce(1, *), n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
            var expected = [S](repeating: 0, count: outer * inner)
            for o in 0..<outer {
                for i in 0..<inner {
                    var total = x.scalars[o * n * inner + i]
                    for k in 1..<n { total += x.scalars[(o * n + k) * inner + i] }
                    expected[o * inner + i] = total
                }
            }
            #expect(x.sum(axis: axis).scalars == expected, "\(S.self) \(shape) axis \(axis)")
        }
        check(Float.self, [100, 50], axis: 0)
        check(Float.self, [3, 7, 40], axis: 1)
        check(Double.self, [37, 20], axis: 0)
    }

    @Test("the reductions over everything and argmax along rows are unchanged")
    func reducesEverything() {
        let x = tensor(Double.self, [2, 3, 4], Self.x3)
        #expect(abs(x.sum() - 5.7) < 1e-12)
        #expect(x.max() == 5)
        #expect(tensor(Float.self, [3, 4], Array(Self.x3.prefix(12))).argmaxRows() == [1, 1, 0])
    }

    // MARK: Data movement

    @Test("transposed(axes:) permutes the axes of a rank-4 and a rank-3 tensor; negative axes count from the end")
    func transposesAnyRank() {
        func check<S: TensorScalar>(_: S.Type) {
            let x = tensor(S.self, [2, 3, 2, 3], Self.x4)
            expectTensor(x.transposed(axes: [0, 2, 3, 1]), [2, 2, 3, 3], [
                -4.6, 0, -1.3, 0.1, -2.5, -5, -0.3, -4.9, 3.3, 4.2, -3.1, -3.5, 1.3, 1.9, -2.3, 0.1, -3, 3.8,
                0.1, 0.1, -1.8, 3.5, 3.7, -3.5, 1.4, -1.4, 3.2, 2.4, 1, -1.2, -4.1, -4.4, 4.8, 0.4, -1.1, 0.9,
            ])
            #expect(x.transposed(axes: [0, -2, -1, 1]) == x.transposed(axes: [0, 2, 3, 1]))
            expectTensor(x.transposed(axes: [3, 1, 0, 2]), [3, 3, 2, 2], [
                -4.6, 4.2, 0.1, 2.4, 0, -3.1, 0.1, 1, -1.3, -3.5, -1.8, -1.2, 0.1, 1.3, 3.5, -4.1, -2.5, 1.9,
                3.7, -4.4, -5, -2.3, -3.5, 4.8, -0.3, 0.1, 1.4, 0.4, -4.9, -3, -1.4, -1.1, 3.3, 3.8, 3.2, 0.9,
            ])
            let y = tensor(S.self, [2, 3, 4], Self.x3)
            expectTensor(y.transposed(axes: [2, 0, 1]), [4, 2, 3], [
                1.3, -2, 3, -2.5, 5, -2.8, 4, 3.7, -0.3, -0.5, 2.9, -3.4, 2.8, -4.9, -2, 0, 1.2, 1.1, -2.7, 3.2,
                -2.2, 0.5, 4.9, -4.6,
            ])
            let m = tensor(S.self, [3, 4], Array(Self.x3.prefix(12)))
            #expect(m.transposed(axes: [1, 0]) == m.transposed())
        }
        check(Float.self); check(Double.self)
    }

    @Test("slice(_:) takes a range of the first axis with everything under it")
    func slicesFirstAxis() {
        let x = tensor(Float.self, [2, 3, 4], Self.x3)
        expectTensor(x.slice(1..<2), [1, 3, 4], [-2.5, -0.5, 0, 0.5, 5, 2.9, 1.2, 4.9, -2.8, -3.4, 1.1, -4.6])
        expectTensor(tensor(Double.self, [2, 3, 2, 3], Self.x4).slice(1...), [1, 3, 2, 3], [
            0.1, 3.5, 1.4, 2.4, -4.1, 0.4, 0.1, 3.7, -1.4, 1, -4.4, -1.1, -1.8, -3.5, 3.2, -1.2, 4.8, 0.9,
        ])
        #expect(x.slice(0..<0).shape == [0, 3, 4])
        #expect(x.slice(0..<2) == x)
        expectTensor(Tensor<Double>([5, 6, 7, 8, 9]).slice(2..<4), [2], [7, 8])
    }

    @Test("zeroPadded(_:) puts zeros around the last two axes, as np.pad does")
    func padsLastTwoAxes() {
        let images = tensor(Float.self, [1, 2, 2, 3], (1...12).map { Double($0) })
        expectTensor(images.zeroPadded(1), [1, 2, 4, 5], [
            0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 8, 9, 0, 0, 10, 11,
            12, 0, 0, 0, 0, 0, 0,
        ])
        let square = tensor(Double.self, [2, 2], [1, 2, 3, 4])
        expectTensor(square.zeroPadded(2), [6, 6], [
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0,
        ])
        #expect(square.zeroPadded(0) == square)
    }

    @Test("reshaped(_:) infers a -1 dimension and keeps the elements in order")
    func reshapesWithInferredDimension() {
        let x = tensor(Float.self, [2, 3, 4], Self.x3)
        for (request, shape) in [([-1, 4], [6, 4]), ([2, -1], [2, 12]), ([-1], [24]), ([3, -1, 2], [3, 4, 2])] {
            let y = x.reshaped(request)
            #expect(y.shape == shape)
            #expect(y.scalars == x.scalars)
        }
    }

    @Test("copies share storage until written: changing a copy, a reshaped view or a += target leaves the original")
    func copiesOnWrite() {
        let x = tensor(Double.self, [2, 3, 4], Self.x3)
        var copy = x
        copy[1, 2, 3] = 99
        var flat = x.reshaped([-1])
        flat.withUnsafeMutableBufferPointer { $0[0] = -99 }
        var sum = x
        sum += x
        #expect(x.scalars == Self.x3)
        #expect(copy[1, 2, 3] == 99 && copy[0, 0, 0] == Self.x3[0])
        #expect(flat[0] == -99 && flat[1] == Self.x3[1])
        #expect(sum[0, 0, 0] == 2 * Self.x3[0])
    }
}

/// A tensor of `shape` from values written as Double literals.
private func tensor<S: TensorScalar>(_: S.Type, _ shape: [Int], _ values: [Double]) -> Tensor<S> {
    Tensor(shape: shape, scalars: values.map { S($0) })
}

/// Expects `shape` and every element within a relative 1e-5 of `expected`: the literals are NumPy's
/// float64 results, and a Float sum rounds at each step (and runs in another order than NumPy's).
private func expectTensor<S: TensorScalar>(
    _ t: Tensor<S>, _ shape: [Int], _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(t.shape == shape, sourceLocation: sourceLocation)
    guard t.count == expected.count else {
        Issue.record("\(t.count) elements, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    for (i, (actual, wanted)) in zip(t.scalars, expected).enumerated() {
        let close = abs(Double(actual) - wanted) <= 1e-5 * max(1, abs(wanted)) || (actual.isNaN && wanted.isNaN)
        #expect(close, "element \(i) of \(S.self) \(shape): \(actual), expected \(wanted)",
                sourceLocation: sourceLocation)
    }
}

@Suite("Tensor description")
struct TensorDescriptionTests {
    @Test("A tensor prints its type and shape, then its values nested by axis as NumPy does")
    func smallTensors() {
        #expect(Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).description == "Tensor<Float>(shape: [2, 3])\n[[1.0, 2.0, 3.0],\n [4.0, 5.0, 6.0]]")
        #expect(Tensor<Double>(shape: [3], scalars: [0.5, -1, 2]).description == "Tensor<Double>(shape: [3])\n[0.5, -1.0, 2.0]")
        let cube = Tensor<Float>(shape: [2, 2, 2], scalars: (0..<8).map(Float.init))
        #expect(cube.description == "Tensor<Float>(shape: [2, 2, 2])\n[[[0.0, 1.0],\n  [2.0, 3.0]],\n\n [[4.0, 5.0],\n  [6.0, 7.0]]]")
    }

    @Test("Beyond 1,000 elements each long axis shows its first and last three, as NumPy's summary")
    func largeTensors() {
        let big = Tensor<Float>(shape: [100, 20], scalars: (0..<2000).map(Float.init))
        let lines = big.description.split(separator: "\n").map(String.init)
        #expect(lines.count == 8)
        #expect(lines[1] == "[[0.0, 1.0, 2.0, ..., 17.0, 18.0, 19.0],")
        #expect(lines[4] == " ...,")
        #expect(lines[7] == " [1980.0, 1981.0, 1982.0, ..., 1997.0, 1998.0, 1999.0]]")
    }
}
