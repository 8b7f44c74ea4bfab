/// The values a summary reads, in place: a buffer of `T`, or of `BFloat16` (then `T` is `Float`).
/// The hot kernels read bfloat16 blocks as stored and widen each register as they load it (their
/// `Narrow` switch); the others get each block widened to `Float` into a 32 KiB buffer. Either way
/// a bfloat16 input is never copied whole, and each pass reads half the bytes of a `Float` copy.
struct ValueStream<T: EngineFloat>: RandomAccessCollection {
    let count: Int
    private let base: UnsafeRawPointer?
    /// The buffer holds `BFloat16`s, and `T` is `Float`.
    let isNarrow: Bool

    init(_ values: UnsafeBufferPointer<T>) {
        count = values.count
        base = values.baseAddress.map(UnsafeRawPointer.init)
        isNarrow = false
    }

    fileprivate init(bfloat16 values: UnsafeBufferPointer<BFloat16>) {
        count = values.count
        base = values.baseAddress.map(UnsafeRawPointer.init)
        isNarrow = true
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    @inline(__always) subscript(i: Int) -> T {
        guard let base else { return .nan }  // count is 0: never reached
        guard isNarrow else { return base.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.stride, as: T.self) }
        return T(BFloat16(bitPattern: base.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)).floatValue)
    }

    /// The end of the input's whole vectors: kernels that read the input itself may read ahead up to it.
    var end: UnsafeRawPointer? {
        base.map { $0 + count / T.Vector.scalarCount * (isNarrow ? 16 : MemoryLayout<T.Vector>.stride) }
    }

    /// The number of stream vectors, the padded tail included.
    var vectorCount: Int { (count + T.Vector.scalarCount - 1) / T.Vector.scalarCount }

    /// NaN lanes added to the ragged end.
    var padding: Int {
        let rest = count % T.Vector.scalarCount
        return rest == 0 ? 0 : T.Vector.scalarCount - rest
    }

    /// Calls `body(pointer, vectorCount, isPaddedTail)` for consecutive blocks of the vectors
    /// `first..<last` (`last` may be `vectorCount`, the padded tail included). The padded tail is
    /// one vector of `T`; the other blocks of a narrow stream are bfloat16 as stored when
    /// `narrowBlocks` (for kernels with `Narrow` on), else widened to `Float`.
    @inline(__always)
    func forEachBlock(vectors range: Range<Int>? = nil, narrowBlocks: Bool = false, _ body: (UnsafeRawPointer, Int, Bool) -> Void) {
        guard let base else { return }
        let lanes = T.Vector.scalarCount
        let fullVectors = count / lanes
        let range = range ?? 0..<vectorCount
        let fullEnd = Swift.min(range.upperBound, fullVectors)
        var vector = range.lowerBound
        let bytesPerVector = isNarrow ? 16 : MemoryLayout<T.Vector>.stride
        let widened = isNarrow && !narrowBlocks ? UnsafeMutablePointer<Float>.allocate(capacity: VectorStream.blockVectors * lanes) : nil
        defer { widened?.deallocate() }
        while vector < fullEnd {
            let vectors = Swift.min(VectorStream.blockVectors, fullEnd - vector)
            var block = base + vector &* bytesPerVector
            if let widened {
                BFloat16.widen(block, into: widened, vectors: vectors)
                block = UnsafeRawPointer(widened)
            }
            body(block, vectors, false)
            vector += vectors
        }
        if range.upperBound > fullVectors && count > fullVectors * lanes {
            var tail = T.Vector(repeating: .nan)
            for i in fullVectors * lanes..<count { tail[i - fullVectors * lanes] = self[i] }
            withUnsafeBytes(of: &tail) { body($0.baseAddress!, 1, true) }
        }
    }
}

extension ValueStream where T == Float {
    init(_ values: UnsafeBufferPointer<BFloat16>) { self.init(bfloat16: values) }
}
