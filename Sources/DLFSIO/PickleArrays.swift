import DLFSCore

/// Turns what the pickle VM built (a dict of recorded `_reconstruct` / `_frombuffer` calls) into
/// `NamedArrays`, the way NumPy's `ndarray.__setstate__` would, without running NumPy.
struct PickleArrays {
    let file: String
    /// Every array assembled is charged in full, even one the memo shares under several names: `convert`
    /// and `infer` copy each, so a small file naming one large array many times is refused up front.
    var budget: ReadBudget

    /// A dict (or OrderedDict) of str to ndarray, in the pickle's order.
    mutating func arrays(from root: PickleValue) throws -> NamedArrays {
        guard case .dict(let dict) = root else {
            throw WeightFileError(file: file, "the pickle holds a \(root.kind), not a dictionary of arrays")
        }
        var result = NamedArrays(source: file)
        var seen = Set<String>()  // not `result[name]`: a linear search per key is quadratic in a hostile file
        for (key, value) in dict.pairs {
            guard let name = key.text else {
                throw WeightFileError(file: file, "a key is a \(key.kind), not a string")
            }
            guard seen.insert(name).inserted else { throw WeightFileError(file: file, "array '\(name)' appears twice") }
            do {
                result.arrays.append(try array(named: name, value))
            } catch let message as ArrayProblem {
                throw WeightFileError(file: file, "array '\(name)': \(message.text)")
            }
        }
        return result
    }

    struct ArrayProblem: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }

    mutating func array(named name: String, _ value: PickleValue) throws -> NamedArray {
        guard case .object(let object) = value else { throw ArrayProblem("is of type \(value.kind), not a NumPy array") }
        if object.callable.isFromBuffer {
            // _frombuffer(buffer, dtype, shape, order): protocol 5, in-band buffer.
            let a = object.arguments
            guard a.count == 4, let data = rawBytes(a[0]), let order = a[3].text, order == "C" || order == "F"
            else { throw ArrayProblem("unexpected _frombuffer arguments") }
            return try assemble(name, data: data, dtype: try dtype(of: a[1]), shape: try shape(a[2]), fortran: order == "F")
        }
        guard object.callable.isReconstruct else { throw ArrayProblem("is \(object.callable.rawValue)(…), not a NumPy array") }
        guard object.arguments.count == 3, case .global(.ndarray) = object.arguments[0] else {
            throw ArrayProblem("_reconstruct is only accepted for numpy.ndarray")
        }
        guard case .tuple(var state, _)? = object.state else { throw ArrayProblem("the array has no state (BUILD)") }
        // ndarray.__setstate__ takes (version, shape, dtype, is_fortran, data) or the older form without version.
        if state.count == 5 { state.removeFirst() }
        guard state.count == 4 else { throw ArrayProblem("array state has \(state.count) fields, expected 4 or 5") }
        guard case .bool(let fortran) = state[2] else { throw ArrayProblem("Fortran flag is a \(state[2].kind)") }
        guard let data = rawBytes(state[3]) else {
            throw ArrayProblem("data is a \(state[3].kind), not raw bytes (object arrays are not supported)")
        }
        return try assemble(name, data: data, dtype: try dtype(of: state[1]), shape: try shape(state[0]), fortran: fortran)
    }

    func rawBytes(_ value: PickleValue) -> [UInt8]? {
        switch value {
        case .bytes(let b), .legacyString(let b): b
        default: nil
        }
    }

    func shape(_ value: PickleValue) throws -> [Int] {
        guard case .tuple(let dims, _) = value else { throw ArrayProblem("shape is a \(value.kind), not a tuple") }
        guard dims.count <= InputLimits.maximumRank else {
            throw ArrayProblem("shape has \(dims.count) dimensions, more than NumPy's \(InputLimits.maximumRank)")
        }
        return try dims.map {
            guard case .int(let d) = $0, d >= 0 else { throw ArrayProblem("shape has a negative or non-integer dimension") }
            return d
        }
    }

    /// `numpy.dtype(descr, align, copy)` with the byte order from its state tuple; returns the dtype and
    /// whether the data is big-endian.
    func dtype(of value: PickleValue) throws -> (ArrayDType, bigEndian: Bool) {
        guard case .object(let object) = value, object.callable == .dtype, let descr = object.arguments.first?.text else {
            throw ArrayProblem("dtype is a \(value.kind), not numpy.dtype")
        }
        var order = "|"
        if case .tuple(let state, _)? = object.state {
            guard state.count >= 2, let o = state[1].text else { throw ArrayProblem("dtype state without byte order") }
            if state.count >= 5, !(2...4).allSatisfy({ if case .none = state[$0] { true } else { false } }) {
                throw ArrayProblem("structured or sub-array dtypes are not supported")
            }
            order = o
        }
        let dtype: ArrayDType
        switch descr.drop(while: { "<>=|".contains($0) }) {
        case "f4": dtype = .float32
        case "f8": dtype = .float64
        case "u1": dtype = .uint8
        case "i4": dtype = .int32
        case "i8": dtype = .int64
        default: throw ArrayProblem("dtype '\(descr)' is not supported (float32, float64, uint8, int32, int64 are)")
        }
        guard ["<", ">", "=", "|"].contains(order) else { throw ArrayProblem("byte order '\(order)' is not understood") }
        return (dtype, order == ">" || descr.hasPrefix(">"))
    }

    /// Checks the size, swaps big-endian data to little-endian and Fortran order to row-major.
    mutating func assemble(_ name: String, data: [UInt8], dtype: (ArrayDType, bigEndian: Bool), shape: [Int], fortran: Bool) throws -> NamedArray {
        let (type, bigEndian) = dtype
        guard let size = byteCount(shape: shape, dtype: type) else { throw ArrayProblem("shape \(shape) is too large") }
        guard size == data.count else {
            throw ArrayProblem("shape \(shape) of \(type.rawValue) needs \(size) bytes, the pickle holds \(data.count)")
        }
        let width = type.byteSize
        let reordered = (bigEndian && width > 1) || (fortran && shape.count > 1)
        if let overrun = budget.charge(reordered ? 2 * size : size) { throw ArrayProblem(overrun) }
        var bytes = data
        if bigEndian, width > 1 {
            for start in stride(from: 0, to: bytes.count, by: width) { bytes[start..<(start + width)].reverse() }
        }
        if fortran, shape.count > 1 { bytes = rowMajor(fromColumnMajor: bytes, shape: shape, width: width) }
        return try NamedArray(name: name, dtype: type, shape: shape, bytes: bytes)
    }
}

/// Reorders column-major (Fortran) elements of `width` bytes into row-major order, in time linear in the
/// elements: axes of length 1 are dropped first (they change no order), so each step carries through
/// axes of length 2 or more, amortised at most two.
func rowMajor(fromColumnMajor source: [UInt8], shape: [Int], width: Int) -> [UInt8] {
    let shape = shape.filter { $0 != 1 }
    guard !source.isEmpty, !shape.isEmpty else { return source }
    var out = [UInt8](repeating: 0, count: source.count)
    // Column-major strides, in elements: the first index varies fastest.
    var strides = [Int](repeating: 1, count: shape.count)
    for axis in 1..<shape.count { strides[axis] = strides[axis - 1] * shape[axis - 1] }
    var index = [Int](repeating: 0, count: shape.count)
    var sourceElement = 0
    for element in 0..<(source.count / width) {
        for b in 0..<width { out[element * width + b] = source[sourceElement * width + b] }
        // Advance the row-major index (last axis fastest) and keep the column-major offset in step.
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            sourceElement += strides[axis]
            if index[axis] < shape[axis] { break }
            sourceElement -= strides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
        }
    }
    return out
}
