/// The cells of a uniform layout: each bin split into `2^fineBits` equal cells by the bin formula
/// times `2^fineBits` (exact: a power of two), rounded by `EngineFloat.cellMagic`.
///
/// `slot(x) = bits(((x * prescale) - offset) * scale + cellMagic) - bits(cellMagic)` is the
/// rounded-to-nearest `y - 0.5`, plus one, of `y = ((x * prescale) - offset) * scale`; with
/// `fineBits >= 1`, `(slot(x) - 1) >> fineBits` is exactly `floor` of the bin formula (a tie
/// `y - 0.5 = i·2^fineBits - 0.5` rounds to the even side, `i·2^fineBits`), so the cells refine the
/// layout's bins and its edges, its exact thresholds, still hold. Slot 0 and slot `cells + 1`
/// (the rounding at the two ends) belong to the first and the last cell.
struct CellFormula<T: EngineFloat> {
    let prescale: T
    let offset: T
    let scale: T
    let fineBits: Int
    let cells: Int

    /// The cells of `layout` with `2^fineBits` cells per bin (`fineBits >= 1`); nil for layouts
    /// without a formula, or when the scaled formula would leave `T`'s normal range.
    init?(_ layout: BinLayout<T>, fineBits: Int) {
        guard case .uniform(let prescale, let offset, let scale) = layout.locator, fineBits >= 1 else { return nil }
        let fineScale = scale * T(sign: .plus, exponent: T.Exponent(fineBits), significand: 1)
        guard fineScale.isFinite, fineScale.isNormal, scale.isNormal, layout.binCount << fineBits < 1 << (T.significandBitCount - 2)
        else { return nil }
        self.prescale = prescale
        self.offset = offset
        self.scale = fineScale
        self.fineBits = fineBits
        cells = layout.binCount << fineBits
    }

    /// The kernels' slot of `x` (in `0...cells + 1` for `x` inside the layout), by the same
    /// operations in the same type.
    func slot(_ x: T) -> Int {
        let rounded = (x * prescale - offset) * scale + T.cellMagic
        return Int(truncatingIfNeeded: rounded.bitPattern) - Int(truncatingIfNeeded: T.cellMagic.bitPattern)
    }

    /// The cell of `x` (inside the layout).
    func cell(_ x: T) -> Int { Swift.min(Swift.max(slot(x) - 1, 0), cells - 1) }
}

/// The second streaming pass over raw values: counts per cell, central power sums about a
/// centre (in `Double`), and, for layouts without a cell formula, the top-digit radix counts that
/// locate the quantiles.
///
/// Cells (`CellFormula`) locate the quantiles for `QuantileSelection` with no extra scatter per
/// value. Bins of unequal widths (explicit edges, log scale) get equal-width cells over their
/// range, and each value's bin comes from its cell (`binLookup`: one table load, a compare or a
/// search in the few cells an edge crosses); a layout without room for cells counts one cell per
/// bin, found by binary search. Values outside the layout's range take the fast kernel too
/// (`EngineFloat.cellBlock`'s `Outside`), NaN and ±Inf as well (`NonFinite`). Counts are 32-bit
/// (the table stays in the L1 cache) and folded into `Int` totals every 2^31 values. Each count
/// array has a power-of-two length and every slot is masked by it, so a slot can never leave the
/// table. The histogram alone of 2^12 values or more, with at most 30 bins and every value inside
/// them, is counted in pairs (one counter per pair of bins, `EngineFloat.pairBlock`), which halves
/// the scattered increments. Over bins of unequal widths with every value inside them, each value's
/// bin comes from the table of its key digits (`EngineFloat.digitBlock`): always for the histogram
/// alone, which then counts no cells, and for the summary when a sample finds the edges crowding
/// the values' cells (`crowdsEdgeSlots`). With few cells, or with one crowded cell (an eighth of
/// the values or more are zeros: ReLU outputs, dead units), four interleaved count arrays (lane `i`
/// into array `i % 4`) keep successive values that hit the same cell from serialising on
/// store-to-load forwarding.
enum SecondPass {
    struct Result {
        /// Per cell (the layout's bins, each split into `2^fineBits` cells when it has a formula).
        var cells: [Int]
        /// Per radix bucket of the top 16 key bits (empty unless asked for).
        var radix: [Int]
        /// Per bin, when the bins are not the cells' (bins of unequal widths counted through cells).
        var bins: [Int] = []
        var totals = BinTotals()
        /// ±0 was kept under a slot of its own (`run`'s `markZeros`).
        var zerosMarked = false

        func binCounts(binCount: Int) -> [Double] {
            if !bins.isEmpty { return bins.map(Double.init) }
            let perBin = cells.count / binCount
            return (0..<binCount).map { bin in
                var total = 0
                for cell in bin * perBin..<(bin + 1) * perBin { total += cells[cell] }
                return Double(total)
            }
        }

        mutating func add(_ other: Result) {
            for i in cells.indices { cells[i] += other.cells[i] }
            for i in radix.indices { radix[i] += other.radix[i] }
            for i in bins.indices { bins[i] += other.bins[i] }
            totals.underflow += other.totals.underflow
            totals.overflow += other.totals.overflow
            totals.sums.add(other.totals.sums)
        }
    }

    static let foldEvery = 1 << 31

    /// Inputs of at least this many values get `CellPlan.binOfDigit` (up to 128 KiB to set).
    static let digitTableValues = 1 << 15
    /// Inputs of at least this many values (a chunk's) count the histogram alone in pairs (`pairBlock`).
    static let pairTableValues = 1 << 12

    /// `run` over each chunk of `EngineThreads`, the results added in chunk order.
    static func runInChunks<T: EngineFloat>(
        _ values: ValueStream<T>, layout: BinLayout<T>, formula: CellFormula<T>?, inside: Bool, finite: Bool, shift: Double?,
        radix: Bool, crowded: Bool = false, keep: UnsafeMutableRawPointer? = nil, markZeros: Bool = false
    ) -> Result {
        let parts = EngineThreads.map(values) {
            run(
                values, layout: layout, formula: formula, inside: inside, finite: finite, shift: shift, radix: radix, crowded: crowded,
                keep: keep, markZeros: markZeros, vectors: $0)
        }
        var result = parts[0]
        for part in parts.dropFirst() { result.add(part) }
        return result
    }

    /// - Parameters:
    ///   - formula: the cells: of `layout` when it is uniform, otherwise of equal-width cells over
    ///     its range, through which its bins are counted (`binLookup`); nil: one cell per bin, by
    ///     binary search.
    ///   - inside: every finite value lies inside the layout's range.
    ///   - finite: every value is finite.
    ///   - shift: the centre of the power sums, a `T` unless `finite`; nil skips them.
    ///   - radix: count the top 16 key bits of every value.
    ///   - crowded: many values share one cell (the exact zeros of ReLU outputs): four count
    ///     arrays whatever the number of cells.
    ///   - keep: room for the packed slots of every whole stream vector, which pass 3 then reads
    ///     instead of the values; written when `keepsSlots` holds and `shift` is given.
    ///   - markZeros: ±0 is kept under a slot pass 3 never looks for (`EngineFloat.cellBlock`),
    ///     for bins of equal widths; its cell is counted as usual.
    ///   - vectors: the stream vectors to read (default all).
    static func run<T: EngineFloat>(
        _ values: ValueStream<T>, layout: BinLayout<T>, formula: CellFormula<T>?, inside: Bool, finite: Bool, shift: Double?,
        radix: Bool, crowded: Bool = false, keep: UnsafeMutableRawPointer? = nil, markZeros: Bool = false, vectors: Range<Int>? = nil
    ) -> Result {
        let vectors = vectors ?? 0..<values.vectorCount
        let thresholds: [T]
        let cells = formula?.cells ?? layout.binCount
        if formula == nil, case .uniform = layout.locator {
            thresholds = layout.edges.map { T.roundedUp($0) }  // the formula's exact thresholds
        } else if case .search(let t) = layout.locator {
            thresholds = t
        } else {
            thresholds = []
        }
        let keep = keepsSlots(formula: formula, inside: inside, count: values.count) && shift != nil ? keep : nil
        // Marked zeros count under `cells + 3`, past the slot of the values outside the bins.
        let zeroSlot = markZeros && keep != nil && layout.isUniform ? formula.map { $0.slot(.zero) } : nil
        var stride = 1
        while stride < cells + (zeroSlot == nil ? 3 : 4) { stride <<= 1 }
        let copyMask = cells <= 512 || crowded ? 3 : 0
        let copies = copyMask + 1
        let binOfSlot = formula.flatMap { formula in layout.isUniform ? nil : binLookup(formula, thresholds: thresholds, count: stride) } ?? []
        // Slots holding several edges ask a table of key digits before searching (`CellPlan.binOfDigit`),
        // when the input is large enough to fill it. It covers every value inside the layout: -0 is
        // inside a layout from +0 on, but its key, and digit, come before +0's.
        let digitRange = binOfSlot.contains(-1) && vectors.count * T.Vector.scalarCount >= digitTableValues
            ? Self.topDigit(layout.lowest == 0 ? -T.zero : layout.lowest)...Self.topDigit(layout.highest == 0 ? T.zero : layout.highest)
            : nil
        var binOfDigit = [Int16](repeating: CellPlan<T>.unknownDigit, count: digitRange?.count ?? 0)
        // Values outside the range take the fast kernel too, counted apart (`Outside`), and NaN
        // and ±Inf, whose power sums come from a copy of the block without them (`NonFinite`).
        let fast = formula != nil && formula!.prescale == 1
        let outside = fast && !inside, nonFinite = fast && !finite
        let finiteCopy = nonFinite && shift != nil
            ? UnsafeMutableRawPointer.allocate(
                byteCount: Swift.min(VectorStream.blockVectors, Swift.max(vectors.count, 1)) * MemoryLayout<T.Vector>.stride,
                alignment: 16)
            : nil
        defer { finiteCopy?.deallocate() }
        // Pairs pay from about 2^12 values on: below, zeroing and folding their 2,048 counters costs more.
        let usePairs = fast && inside && finite && shift == nil && formula?.fineBits == 1 && cells + 2 <= 62 && binOfSlot.isEmpty
            && vectors.count * T.Vector.scalarCount >= pairTableValues
        // Bins of unequal widths over finite values inside them: each value's bin by its key digit
        // (`EngineFloat.digitBlock`) for the histogram alone, which then counts no cells, and for
        // the summary when edges crowd the cells that hold its values.
        let binsByDigit = fast && inside && finite && digitRange != nil
            && (shift == nil || formula.map { formula in
                crowdsEdgeSlots(
                    values, vectors.lowerBound * T.Vector.scalarCount..<Swift.min(vectors.upperBound * T.Vector.scalarCount, values.count),
                    formula: formula, binOfSlot: binOfSlot)
            } == true)
        let useDigits = binsByDigit && shift == nil
        var counts = [UInt32](repeating: 0, count: copies * stride)
        var binCounts = [UInt32](repeating: 0, count: binOfSlot.isEmpty ? 0 : binsByDigit ? 4 * layout.binCount : layout.binCount)
        var pairCounts = [UInt32](repeating: 0, count: usePairs ? 2 * CellPlan<T>.pairCopy : 0)
        var radixCounts = [UInt32](repeating: 0, count: radix ? 1 << 16 : 0)
        // One block's slots for `cellBlock`, no more than the input needs: zeroing 32 KiB dominates
        // a small input, and evicts the counters from the L1 cache.
        let slotVectors = usePairs ? 1 : Swift.min(VectorStream.blockVectors, Swift.max(vectors.count, 1))
        var slots = [T.HalfLanes](repeating: T.HalfLanes(), count: 2 * slotVectors)
        var result = Result(
            cells: [Int](repeating: 0, count: cells), radix: [Int](repeating: 0, count: radixCounts.count),
            bins: [Int](repeating: 0, count: binOfSlot.isEmpty ? 0 : layout.binCount), zerosMarked: zeroSlot != nil)

        func fold(last: Bool) {
            func add(slot: Int, _ count: Int) { result.cells[Swift.min(Swift.max(slot - 1, 0), cells - 1)] += count }
            for copy in 0..<copies {
                for slot in 0...cells + 1 where counts[copy * stride + slot] != 0 { add(slot: slot, Int(counts[copy * stride + slot])) }
                if let zeroSlot { add(slot: zeroSlot, Int(counts[copy * stride + cells + 3])) }
            }
            if usePairs {
                // Row sums count the first value of each pair, column sums the second. Group `g`
                // (modulo 32) holds slots 2g + 1 and 2g + 2 (modulo 64): bin g's cells, or an end
                // slot, 0 or cells + 1. Counter `32 g0 + g1` is taken modulo 1024, so where the
                // second value has group -1 (column 31), the first value's group is one more than the row.
                var rows = [Int](repeating: 0, count: 32), columns = [Int](repeating: 0, count: 32)
                pairCounts.withUnsafeBufferPointer { pairs in
                    for row in 0..<64 {  // the two copies' rows
                        var sum = 0
                        for second in 0..<32 {
                            let count = Int(pairs[row &* 32 &+ second])
                            columns[second] &+= count
                            if second == 31 { rows[(row &+ 1) & 31] &+= count } else { sum &+= count }
                        }
                        rows[row & 31] &+= sum
                    }
                }
                for group in 0..<32 where rows[group] != 0 || columns[group] != 0 {
                    add(slot: 2 * group + 1 <= cells + 1 ? 2 * group + 1 : (2 * group + 2) & 63, rows[group] + columns[group])
                }
            }
            for i in radixCounts.indices { result.radix[i] += Int(radixCounts[i]) }
            for i in binCounts.indices { result.bins[i % layout.binCount] += Int(binCounts[i]) }
            // The bins of slots without an edge, from the slots' counts.
            for copy in 0..<copies where !binOfSlot.isEmpty && !binsByDigit {
                for slot in 0...cells + 1 where binOfSlot[slot] >= 0 { result.bins[Int(binOfSlot[slot])] += Int(counts[copy * stride + slot]) }
            }
            if last { return }
            counts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            pairCounts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            radixCounts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            binCounts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        let foldVectors = foldEvery / T.Vector.scalarCount
        var start = vectors.lowerBound
        repeat {
            let end = Swift.min(vectors.upperBound, start + foldVectors)
            slots.withUnsafeMutableBytes { slots in
                counts.withUnsafeMutableBufferPointer { counts in
                    pairCounts.withUnsafeMutableBufferPointer { pairCounts in
                        radixCounts.withUnsafeMutableBufferPointer { radixCounts in
                          binCounts.withUnsafeMutableBufferPointer { binCounts in
                           binOfSlot.withUnsafeBufferPointer { binOfSlot in
                            binOfDigit.withUnsafeMutableBufferPointer { binOfDigit in
                            thresholds.withUnsafeBufferPointer { thresholds in
                                var setup = CellPlan<T>(
                                    lowest: layout.lowest, highest: layout.highest, uniform: formula != nil,
                                    thresholds: thresholds, cells: cells, slots: slots.baseAddress!,
                                    counts: counts.baseAddress!, stride: stride, copyMask: copyMask,
                                    pairs: pairCounts.baseAddress, streamEnd: values.end)
                                if let formula {
                                    setup.prescale = formula.prescale
                                    setup.offset = formula.offset
                                    setup.scale = formula.scale
                                }
                                setup.shift = shift ?? 0
                                setup.finiteCopy = finiteCopy
                                if let zeroSlot { setup.zeroFlip = zeroSlot ^ (cells + 3) }
                                if !binOfSlot.isEmpty {
                                    setup.binOfSlot = binOfSlot.baseAddress
                                    setup.binCounts = binCounts.baseAddress
                                    setup.binCount = layout.binCount
                                }
                                setup.binsByDigit = binsByDigit
                                if let digitRange {
                                    setup.binOfDigit = binOfDigit.baseAddress
                                    setup.firstDigit = digitRange.lowerBound
                                    setup.digitCount = digitRange.count
                                }
                                // A constant for the kernels: the local functions below would otherwise read a boxed variable,
                                // with a dynamic exclusivity check each block.
                                let plan = setup
                                let radix = radix ? radixCounts.baseAddress : nil
                                func fastBlock<Narrow: KernelSwitch>(_ pointer: UnsafeRawPointer, _ vectors: Int, _: Narrow.Type, plan: CellPlan<T>) {
                                    if usePairs { return T.pairBlock(pointer, vectors, plan: plan, narrow: Narrow.self) }
                                    if useDigits { return T.digitBlock(pointer, vectors, plan: plan, narrow: Narrow.self) }
                                    func cellBlock<Sums: KernelSwitch, Lookup: KernelSwitch, Keep: KernelSwitch, MarkZeros: KernelSwitch>(
                                        _: Sums.Type, _: Lookup.Type, _: Keep.Type, _: MarkZeros.Type
                                    ) {
                                        func kernel<Outside: KernelSwitch, NonFinite: KernelSwitch, KeptSlots: KernelSwitch, MarkedZeros: KernelSwitch>(
                                            _: Outside.Type, _: NonFinite.Type, keep _: KeptSlots.Type, markZeros _: MarkedZeros.Type
                                        ) {
                                            T.cellBlock(
                                                pointer, vectors, plan: plan, sums: Sums.self, lookup: Lookup.self, keep: KeptSlots.self,
                                                markZeros: MarkedZeros.self, outside: Outside.self, nonFinite: NonFinite.self, narrow: Narrow.self,
                                                into: &result.totals)
                                        }
                                        // An input with values outside the range keeps no slots.
                                        switch (outside, nonFinite) {
                                        case (true, true): kernel(On.self, On.self, keep: Off.self, markZeros: Off.self)
                                        case (true, false): kernel(On.self, Off.self, keep: Off.self, markZeros: Off.self)
                                        case (false, true): kernel(Off.self, On.self, keep: Keep.self, markZeros: MarkZeros.self)
                                        case (false, false): kernel(Off.self, Off.self, keep: Keep.self, markZeros: MarkZeros.self)
                                        }
                                    }
                                    // Slots are kept only beside the power sums (`keep`) when no finite value is outside,
                                    // zeros marked only in kept slots of bins of equal widths (`zeroSlot`).
                                    switch (shift != nil, !binOfSlot.isEmpty, plan.kept != nil) {
                                    case (true, false, true):
                                        if zeroSlot != nil { cellBlock(On.self, Off.self, On.self, On.self) } else { cellBlock(On.self, Off.self, On.self, Off.self) }
                                    case (true, false, false): cellBlock(On.self, Off.self, Off.self, Off.self)
                                    case (true, true, true): cellBlock(On.self, On.self, On.self, Off.self)
                                    case (true, true, false): cellBlock(On.self, On.self, Off.self, Off.self)
                                    case (false, false, _): cellBlock(Off.self, Off.self, Off.self, Off.self)
                                    case (false, true, _): cellBlock(Off.self, On.self, Off.self, Off.self)
                                    }
                                }
                                var vector = start  // the first vector of each block
                                values.forEachBlock(vectors: start..<end, narrowBlocks: fast) { pointer, vectors, isPaddedTail in
                                    defer { vector += vectors }
                                    if fast && !isPaddedTail {
                                        var block = plan
                                        block.kept = keep.map { $0 + vector * MemoryLayout<T.Packed>.stride }
                                        if values.isNarrow { fastBlock(pointer, vectors, On.self, plan: block) } else { fastBlock(pointer, vectors, Off.self, plan: block) }
                                    } else if binsByDigit {
                                        // The padded tail: its cells and sums, then its values' bins.
                                        T.generalBlock(pointer, vectors, plan: plan, sums: shift != nil, lookup: Off.self, radix: radix, into: &result.totals)
                                        T.digitTail(pointer, vectors, plan: plan)
                                    } else {
                                        if binOfSlot.isEmpty {
                                            T.generalBlock(pointer, vectors, plan: plan, sums: shift != nil, lookup: Off.self, radix: radix, into: &result.totals)
                                        } else {
                                            T.generalBlock(pointer, vectors, plan: plan, sums: shift != nil, lookup: On.self, radix: radix, into: &result.totals)
                                        }
                                    }
                                }
                            }
                            }
                           }
                          }
                        }
                    }
                }
            }
            fold(last: end == vectors.upperBound)
            start = end
        } while start < vectors.upperBound
        return result
    }

    /// Whether more than a sixteenth of 1,024 values spread over `indices` of `values` (all
    /// finite and inside the cells) lie in slots that edges cross (`binLookup`'s negative
    /// entries), as when a log scale's edges crowd the cells near zero that hold most of a
    /// stretched tensor: each such value would take a branch and a table load after its cell's
    /// count, and asking the digit table for every value costs less (measured: it pays from
    /// about a twentieth of the values on).
    static func crowdsEdgeSlots<T: EngineFloat>(_ values: ValueStream<T>, _ indices: Range<Int>, formula: CellFormula<T>, binOfSlot: [Int32]) -> Bool {
        let step = Swift.max(1, indices.count / 1024)
        var crossed = 0, sampled = 0
        for i in stride(from: indices.lowerBound, to: indices.upperBound, by: step) {
            if binOfSlot[Swift.min(Swift.max(formula.slot(values[i]), 0), binOfSlot.count - 1)] < 0 { crossed += 1 }
            sampled += 1
        }
        return crossed * 16 > sampled
    }

    /// Whether pass 2 with these cells keeps each value's slot for pass 3 (`run`'s `keep`): every
    /// finite value inside the layout (NaN and ±Inf keep the slot `cells + 2`, which pass 3 never
    /// looks for), the fast kernel, slots (marked zeros too) that fit 16 bits, and at most 2^24
    /// values (the kept slots take 16 bytes a stream vector: half a `Float` input's bytes).
    static func keepsSlots<T: EngineFloat>(formula: CellFormula<T>?, inside: Bool, count: Int) -> Bool {
        guard inside, let formula else { return false }
        return formula.prescale == 1 && formula.cells + 3 < 1 << 15 && count <= 1 << 24
    }

    /// `x`'s top 16 key bits (`CellPlan.binOfDigit`'s index).
    static func topDigit<T: EngineFloat>(_ x: T) -> Int {
        Int(truncatingIfNeeded: x.orderedKey >> (T.Key.bitWidth - 16))
    }

    /// Per slot of `formula` (`count` entries, at least `formula.cells + 2`), the bin of the layout
    /// with exact `thresholds` that holds every value of that slot. The slot formula is monotone,
    /// so a value whose slot is below a threshold's slot is below that threshold, and one whose
    /// slot is above it is at or above it: only the slots of the thresholds themselves hold values
    /// of two bins. Such a slot holding one threshold, `thresholds[k + 1]`, is `-2 - k` (bin `k`
    /// below it, `k + 1` from it on: one compare); one holding several is -1 (searched). With
    /// ~2048 cells and a few dozen bins, nearly every value finds its bin by one table load.
    static func binLookup<T: EngineFloat>(_ formula: CellFormula<T>, thresholds: [T], count: Int) -> [Int32] {
        guard thresholds.count >= 2, thresholds.count < Int(Int32.max) else { return [] }
        let edgeSlots = thresholds[1..<(thresholds.count - 1)].map { formula.slot($0) }
        var table = [Int32](repeating: -1, count: count)
        var below = 0  // interior thresholds whose slot is below `slot`
        for slot in 0...(formula.cells + 1) {
            while below < edgeSlots.count && edgeSlots[below] < slot { below += 1 }
            var held = 0
            while below + held < edgeSlots.count && edgeSlots[below + held] == slot { held += 1 }
            table[slot] = held == 0 ? Int32(below) : held == 1 ? Int32(-2 - below) : -1
        }
        table[formula.cells + 2] = 0  // values outside the range (`EngineFloat.cellBlock`): never searched, never folded
        return table
    }
}
