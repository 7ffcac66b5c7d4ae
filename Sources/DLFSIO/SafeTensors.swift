import DLFSCore
/// safetensors: an 8-byte little-endian header length N, N bytes of JSON
/// (`{"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, …}`, padded with
/// spaces to a multiple of 8), then the data, each tensor at its offsets relative to the data start.
public enum SafeTensors {
    /// Refuse headers above this size before allocating anything for them (the Python reader's limit).
    static let maximumHeaderLength = 100_000_000

    /// Reads a safetensors file; every error names `file` and, for header problems, the byte.
    public static func read(_ path: String) throws -> NamedArrays {
        try decode(readWholeFile(path), file: path)
    }

    /// Writes `arrays` as the Python `safetensors` package would (same bytes for the same input), to a
    /// temporary file in the same directory that is then renamed over `path`.
    public static func write(_ arrays: NamedArrays, to path: String) throws {
        let bytes = try encode(arrays, file: path)
        do { try writeFileAtomically(bytes, to: path) } catch { throw WeightFileError(file: path, error.reason) }
    }

    /// Parses safetensors bytes; tensors come back in data order.
    public static func decode(_ bytes: [UInt8], file: String) throws -> NamedArrays {
        guard bytes.count >= 8 else { throw WeightFileError(file: file, "only \(bytes.count) bytes, too short for safetensors") }
        let declared = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard declared <= UInt64(bytes.count - 8) else {
            throw WeightFileError(file: file, offset: 0, "header length \(declared) is beyond the end of the file (\(bytes.count) bytes)")
        }
        guard declared <= UInt64(maximumHeaderLength) else {
            throw WeightFileError(file: file, offset: 0, "header length \(declared) exceeds \(maximumHeaderLength) bytes")
        }
        let dataStart = 8 + Int(declared)
        let headerBytes = bytes[8..<dataStart]
        func headerError(_ offset: Int?, _ message: String) -> WeightFileError {
            WeightFileError(file: file, offset: offset.map { 8 + $0 }, "header: \(message)")
        }
        guard String(validating: headerBytes, as: UTF8.self) != nil else { throw headerError(0, "not valid UTF-8") }
        let root: JSONValue
        var budget = ReadBudget(inputSize: bytes.count)
        do { root = try JSONParser.parse(headerBytes, budget: &budget) } catch {
            throw headerError(error.offset, error.isOverrun ? error.message : "bad JSON: \(error.message)")
        }
        guard case .object(let members) = root else { throw headerError(0, "not a JSON object") }

        var result = NamedArrays(source: file)
        var entries: [(name: String, dtype: ArrayDType, shape: [Int], range: Range<Int>)] = []
        let dataLength = bytes.count - dataStart
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let entries) = value else { throw headerError(nil, "__metadata__ is not an object") }
                var metadata: [String: String] = [:]
                for (key, item) in entries {
                    guard case .string(let text) = item else { throw headerError(nil, "__metadata__ value of \"\(key)\" is not a string") }
                    metadata[key] = text
                }
                result.metadata = metadata
                continue
            }
            let entry = try tensorEntry(name, value, dataLength: dataLength) { headerError(nil, "tensor \"\(name)\": \($0)") }
            entries.append((name, entry.dtype, entry.shape, entry.range))
        }
        // Coverage first: tensors that overlap could otherwise make the copies below many times the file.
        try checkCoverage(entries.map { ($0.range, $0.name) }, dataLength: dataLength, file: file, dataStart: dataStart)
        entries.sort { ($0.range.lowerBound, $0.name) < ($1.range.lowerBound, $1.name) }
        for entry in entries {
            let bytes = Array(bytes[(dataStart + entry.range.lowerBound)..<(dataStart + entry.range.upperBound)])
            result.arrays.append(try NamedArray(name: entry.name, dtype: entry.dtype, shape: entry.shape, bytes: bytes))
        }
        return result
    }

    /// One tensor's header entry, validated against the data section.
    static func tensorEntry(
        _ name: String, _ value: JSONValue, dataLength: Int, error: (String) -> WeightFileError
    ) throws -> (dtype: ArrayDType, shape: [Int], range: Range<Int>) {
        guard case .object(let fields) = value else { throw error("entry is not an object") }
        func field(_ key: String) throws -> JSONValue {
            guard let v = fields.first(where: { $0.key == key })?.value else { throw error("no \"\(key)\"") }
            return v
        }
        guard case .string(let dtypeName) = try field("dtype") else { throw error("dtype is not a string") }
        guard let dtype = ArrayDType(rawValue: dtypeName) else {
            throw error("dtype \"\(dtypeName)\" is not supported (\(ArrayDType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard case .array(let dims) = try field("shape") else { throw error("shape is not a list") }
        guard dims.count <= InputLimits.maximumRank else {
            throw error("shape has \(dims.count) dimensions, more than \(InputLimits.maximumRank)")
        }
        let shape = try dims.map {
            guard let d = $0.integer, d >= 0 else { throw error("shape has a dimension that is negative or not an integer that fits 64 bits") }
            return d
        }
        guard case .array(let offsets) = try field("data_offsets"), offsets.count == 2,
              let begin = offsets[0].integer, let end = offsets[1].integer
        else { throw error("data_offsets is not a pair of integers") }
        guard begin >= 0, begin <= end else { throw error("data_offsets [\(begin), \(end)] are reversed or negative") }
        guard end <= dataLength else { throw error("data_offsets [\(begin), \(end)] lie outside the \(dataLength) bytes of data") }
        guard let size = byteCount(shape: shape, dtype: dtype) else {
            throw error("shape \(shape) overflows")
        }
        guard size == end - begin else {
            throw error("shape \(shape) of \(dtypeName) needs \(size) bytes but data_offsets span \(end - begin)")
        }
        return (dtype, shape, begin..<end)
    }

    /// Tensors must tile the data exactly, as the Python reader demands: no overlap, no gap, nothing after.
    static func checkCoverage(_ spans: [(range: Range<Int>, name: String)], dataLength: Int, file: String, dataStart: Int) throws {
        var next = 0
        var previous = ""
        for span in spans.sorted(by: { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }) {
            if span.range.lowerBound < next {
                throw WeightFileError(file: file, "tensors \"\(previous)\" and \"\(span.name)\" overlap in the data")
            }
            if span.range.lowerBound > next {
                throw WeightFileError(file: file, offset: dataStart + next, "data bytes \(next)..<\(span.range.lowerBound) belong to no tensor")
            }
            next = span.range.upperBound
            previous = span.name
        }
        if next != dataLength {
            throw WeightFileError(file: file, offset: dataStart + next, "\(dataLength - next) data bytes after the last tensor belong to no tensor")
        }
    }

    /// The bytes of a safetensors file: tensors laid out widest dtype first, then by name, header keys in
    /// that order after `__metadata__` (its keys sorted), padded with spaces to a multiple of 8.
    public static func encode(_ arrays: NamedArrays, file: String = "") throws -> [UInt8] {
        var seen = Set<String>()
        for array in arrays.arrays {
            guard seen.insert(array.name).inserted else { throw WeightFileError(file: file, "two arrays are named \"\(array.name)\"") }
            guard array.name != "__metadata__" else { throw WeightFileError(file: file, "an array may not be named __metadata__") }
        }
        let ordered = arrays.arrays.sorted { a, b in
            if a.dtype.safetensorsRank != b.dtype.safetensorsRank { return a.dtype.safetensorsRank > b.dtype.safetensorsRank }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
        var parts: [String] = []
        if let metadata = arrays.metadata {
            let entries = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            parts.append("\"__metadata__\":{" + entries.map { jsonQuoted($0.key) + ":" + jsonQuoted($0.value) }.joined(separator: ",") + "}")
        }
        var offset = 0
        for array in ordered {
            let shape = array.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonQuoted(array.name)):{\"dtype\":\"\(array.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + array.bytes.count)]}")
            offset += array.bytes.count
        }
        var header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        header += repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        var out = [UInt8]()
        out.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out += header
        for array in ordered { out += array.bytes }
        return out
    }
}
