/// Exact order statistics of the finite values of a buffer, without sorting or copying it.
///
/// Pass 2 leaves counts over consecutive ranges of values (the fine cells of a uniform layout,
/// or the buckets of the top 16 bits of the order-preserving keys otherwise). Each wanted rank
/// falls in one range, a `Group`: a closed range of keys with a known count. While the groups
/// hold more than `gatherBudget` values together, the largest is refined by a pass counting the
/// next bits of its keys, together with its large neighbours as one key range (the bulk of a
/// tensor with one far spike crowds a few neighbouring cells; ties collapse to a single key,
/// whose value needs no search). The
/// remaining groups are gathered by one pass, which also counts outliers, into a buffer of at
/// most `gatherBudget` keys and selected there (quickselect, or for a large group a split by key
/// bits first): a refining pass costs more than selecting among many gathered keys, so a
/// crowded cell (the exact zeros of a gradient, the bulk of a heavy-tailed tensor) is gathered
/// whole when it fits. The pass finds candidates by their cell slots when every group lies in
/// one cell of a `CellFormula`: the slots pass 2 kept (`EngineFloat.gatherKeptBlock`, half the
/// bytes of the values and no formula to compute), or the values' own (`gatherBlock`); a few
/// vector compares per eight values either way; otherwise by a table of flags per top 16 key
/// bits (`gatherByDigitBlock`). A candidate found by its slot goes to the groups of that cell,
/// others to the group whose range holds them; each key is checked against its group's exact range.
/// Cost: two to three streaming passes; extra memory: the counts plus the gathered keys.
struct QuantileSelection<T: EngineFloat> {
    /// The finite values whose keys lie in `low...high`, and the ranks wanted among them.
    struct Group {
        var low: T.Key
        var high: T.Key
        var count: Int
        /// (index into the caller's rank list, rank within the group), in ascending rank order
        var ranks: [(index: Int, rank: Int)]
        /// The cell of the `CellFormula` holding these values, if the group is that cell or a part
        /// of it (refining a cell's group splits it into parts of the same cell).
        var cell: Int? = nil
        /// How many of `count` are exact zeros (±0), known from pass 1: not gathered, their ranks
        /// answered by counting (the crowd of ReLU outputs or dead units costs no refining pass).
        var zeros = 0
        /// The finite values whose keys lie below `low`: the group's ranks plus it are the input's.
        var below = 0
        var gathered: Int { count - zeros }
    }

    static var keyBits: Int { T.Key.bitWidth }

    /// The key range of the values in `[a, b]` (value order, `a <= b`): both zeros when it holds 0.
    static func keys(from a: T, through b: T) -> (low: T.Key, high: T.Key) {
        ((a == 0 ? -T.zero : a).orderedKey, (b == 0 ? T.zero : b).orderedKey)
    }

    /// Assigns each rank to the part of `counts` (consecutive parts, in value order, after `start`
    /// finite values) holding it. `range(part)` gives that part's key range.
    static func split(
        ranks: [(index: Int, rank: Int)], counts: [Int], start: Int = 0, cell: (Int) -> Int? = { _ in nil },
        range: (Int) -> (low: T.Key, high: T.Key)
    ) -> [Group] {
        var groups = [Group]()
        var part = 0
        var below = 0
        var partOfLast = -1
        for wanted in ranks.sorted(by: { $0.rank < $1.rank }) {
            while part < counts.count - 1 && below + counts[part] <= wanted.rank {
                below += counts[part]
                part += 1
            }
            if part == partOfLast {
                groups[groups.count - 1].ranks.append((wanted.index, wanted.rank - below))
            } else {
                let keys = range(part)
                groups.append(Group(
                    low: keys.low, high: keys.high, count: counts[part], ranks: [(wanted.index, wanted.rank - below)], cell: cell(part),
                    below: start + below))
                partOfLast = part
            }
        }
        return groups
    }

    struct Outcome {
        var values: [T]
        var totals = GatherTotals()
    }

    /// The cells when they hold every finite value (none lies outside the layout): with them the
    /// outliers are the values of the cells beyond the two holding `inlierLow` and `inlierHigh`,
    /// plus those of these two cells that the gather pass finds outside `[inlierLow, inlierHigh]`,
    /// plus ±Inf (in no cell) beyond a finite bound, as the gather kernels count them.
    struct WholeCells {
        var formula: CellFormula<T>
        var counts: [Int]
        /// The layout's range.
        var lowest: T
        var highest: T
        var negativeInfinities = 0
        var positiveInfinities = 0
    }

    /// The values at `groups`' ranks, refining and gathering as described above; the gather pass
    /// also counts values outside `[inlierLow, inlierHigh]` (±Inf included). `zeroCount`: the
    /// number of ±0 in `values`, when known (0 otherwise). `kept`: the slots of `formula` that pass 2
    /// kept for every whole stream vector (`SecondPass.keepsSlots`), if it did; `markedZeros`: the
    /// number of ±0 it kept under a slot of their own (`SecondPass.run`'s `markZeros`), or 0.
    static func select(
        _ groups: [Group], rankCount: Int, in values: ValueStream<T>, gatherBudget: Int,
        inlierLow: T, inlierHigh: T, formula: CellFormula<T>?, whole: WholeCells?, zeroCount: Int = 0,
        kept: UnsafeRawPointer? = nil, markedZeros: Int = 0
    ) -> Outcome {
        var outcome = Outcome(values: [T](repeating: .nan, count: rankCount))
        var gathering = [Group]()
        func resolve(_ groups: [Group]) {
            for group in groups {
                if group.low == group.high {
                    for wanted in group.ranks { outcome.values[wanted.index] = T(orderedKey: group.low) }
                } else {
                    gathering.append(group)
                }
            }
        }
        // The group holding both zeros (a refining pass may have made it) answers their ranks by counting.
        func setZerosApart() {
            guard zeroCount > 0, !gathering.contains(where: { $0.zeros > 0 }),
                  let holder = gathering.firstIndex(where: { $0.low <= (-T.zero).orderedKey && $0.high >= T.zero.orderedKey })
            else { return }
            gathering[holder].zeros = zeroCount
        }
        resolve(groups)
        setZerosApart()
        while gathering.reduce(0, { $0 + $1.gathered }) > gatherBudget,
              let largest = gathering.indices.max(by: { gathering[$0].gathered < gathering[$1].gathered }) {
            // The largest group is refined with its large neighbours, as one key range: a pass for each
            // would cost more, and their parts are still small (the keys crowd where the values do).
            // Each member must span more than one part of the range, or refining would not narrow it.
            let order = gathering.indices.sorted { gathering[$0].low < gathering[$1].low }
            var first = order.firstIndex(of: largest) ?? 0, last = first
            func joins(_ g: Int, _ first: Int, _ last: Int) -> Bool {
                guard gathering[g].zeros == 0 && gathering[g].gathered > gatherBudget / 16 else { return false }
                let width = T.Key(1) << refiningShift(span: gathering[order[last]].high - gathering[order[first]].low, count: values.count)
                return order[first...last].allSatisfy { gathering[$0].high - gathering[$0].low >= width }
            }
            if gathering[largest].zeros == 0 {
                while first > 0 && joins(order[first - 1], first - 1, last) { first -= 1 }
                while last < order.count - 1 && joins(order[last + 1], first, last + 1) { last += 1 }
            }
            let members = order[first...last].map { gathering[$0] }
            for g in order[first...last].sorted(by: >) { gathering.remove(at: g) }
            resolve(refine(Self.union(members), in: values))
            setZerosApart()
        }
        gather(
            gathering, from: values, plan: GatherPlan(inlierLow: inlierLow, inlierHigh: inlierHigh), formula: formula,
            whole: whole, kept: kept, markedZeros: markedZeros, into: &outcome)
        return outcome
    }

    /// Inputs of at most this many finite values skip the groups (`selectAmongAll`): measured to
    /// cost less up to 2^12 values, or 2^11 when some are NaN, ±Inf or zeros (`clean` false), whose
    /// keys are then sorted out by a second loop.
    static func allValuesLimit(clean: Bool) -> Int { clean ? 1 << 12 : 1 << 11 }

    /// The values at `ranks` (ascending, distinct, below the number of finite values) among every
    /// finite value of a small input, whose keys all lie in `low...high`: one vector loop writes
    /// every value's key and counts the values outside `[inlierLow, inlierHigh]` (as the gather
    /// kernels do: ±Inf too, NaN never); when `clean` is false (the input has NaN, ±Inf or exact
    /// zeros), a second loop without branches keeps the finite nonzero keys and counts the
    /// negatives. A rank among the zeros is 0, as `select`'s groups answer it (a ReLU output's
    /// crowd of zeros costs nothing to select); the others are selected among the keys. For a few
    /// thousand values the groups, their cells and a gathering pass cost more.
    static func selectAmongAll(
        _ ranks: [Int], in values: ValueStream<T>, clean: Bool, low: T.Key, high: T.Key, inlierLow: T, inlierHigh: T
    ) -> Outcome {
        let keys = UnsafeMutableBufferPointer<T.Key>.allocate(capacity: Swift.max(values.vectorCount * T.Vector.scalarCount, 1))
        defer { keys.deallocate() }
        var outcome = Outcome(values: [T](repeating: .zero, count: ranks.count))
        var written = 0
        values.forEachBlock(narrowBlocks: true) { pointer, vectors, isPaddedTail in
            let at = UnsafeMutableRawPointer(keys.baseAddress! + written)
            if values.isNarrow && !isPaddedTail {
                T.keyBlock(
                    pointer, vectors, inlierLow: inlierLow, inlierHigh: inlierHigh, narrow: On.self, keys: at, outliers: &outcome.totals.outliers)
            } else {
                T.keyBlock(
                    pointer, vectors, inlierLow: inlierLow, inlierHigh: inlierHigh, narrow: Off.self, keys: at, outliers: &outcome.totals.outliers)
            }
            written += vectors * T.Vector.scalarCount
        }
        var stored = values.count, negatives = 0, zeros = 0
        if !clean {
            // Classes of keys as ranges, each tested by one unsigned compare: NaN's keys lie beyond
            // ±Inf's, -0's just below +0's.
            @inline(__always) func counts(_ key: T.Key, _ range: (low: T.Key, high: T.Key)) -> Int {
                key &- range.low <= range.high &- range.low ? 1 : 0
            }
            let negativeInfinity = (-T.infinity).orderedKey, positiveInfinity = T.infinity.orderedKey
            let negative = (negativeInfinity &+ 1, (-T.zero).orderedKey &- 1), positive = (T.zero.orderedKey &+ 1, positiveInfinity &- 1)
            let zero = ((-T.zero).orderedKey, T.zero.orderedKey)
            stored = 0
            for i in 0..<values.count {
                let key = keys[i]
                keys[stored] = key
                let below = counts(key, negative)
                negatives &+= below
                stored &+= below &+ counts(key, positive)
                zeros &+= counts(key, zero)
            }
        }
        let among = ranks.indices.filter { ranks[$0] < negatives || ranks[$0] >= negatives + zeros }
        guard !among.isEmpty else { return outcome }
        // Buckets of a few keys each: a quickselect per rank would partition them all per rank.
        let bits = Swift.max(4, Swift.min(11, Int.bitWidth - stored.leadingZeroBitCount - 2))
        let selected = select(
            among.map { ranks[$0] < negatives ? ranks[$0] : ranks[$0] - zeros }, in: UnsafeMutableBufferPointer(rebasing: keys[..<stored]),
            low: low, high: high, splitBits: bits, quickselectUpTo: 16)
        for (index, key) in zip(among, selected) { outcome.values[index] = T(orderedKey: key) }
        return outcome
    }

    /// Inputs of at most this many values are gathered value by value when the cells cannot be
    /// used.
    static var everyValueLimit: Int { 1 << 14 }

    /// The low key bits a refining pass over `count` values drops from the keys of a group whose keys
    /// span `span`: each of its parts spans `2^shift` keys (see `refine`).
    static func refiningShift(span: T.Key, count: Int) -> Int {
        let bits = Swift.min(16, Swift.max(8, (Int.bitWidth - count.leadingZeroBitCount) - 5))
        return Swift.max(0, (keyBits - span.leadingZeroBitCount) - bits)
    }

    /// One group of `groups` (in key order) and every key between them: their ranks, counted from
    /// the first group's `low`; the cell they share, if they do.
    static func union(_ groups: [Group]) -> Group {
        var union = groups[0]
        guard groups.count > 1, let last = groups.last else { return union }
        union.high = last.high
        union.count = last.below + last.count - union.below
        union.ranks = groups.flatMap { group in group.ranks.map { ($0.index, $0.rank + group.below - union.below) } }
        if groups.contains(where: { $0.cell != union.cell }) { union.cell = nil }
        return union
    }

    /// Splits a group by the next bits of its keys (one counting pass): 16 for a large input, fewer
    /// for a small one (about 32 values per part), whose pass costs less than zeroing and summing
    /// 2^16 counts four times over. Without branches: a crowded group mixes its values with the
    /// others at random, which a branch mispredicts. A key outside the group (NaN and ±Inf among them: a group holds finite keys only) counts in
    /// the extra part `parts`; four interleaved count arrays keep runs of one key from
    /// serialising on store-to-load forwarding.
    static func refine(_ group: Group, in values: ValueStream<T>) -> [Group] {
        let span = group.high - group.low
        let shift = refiningShift(span: span, count: values.count)
        let parts = Int(truncatingIfNeeded: span >> shift) + 1
        let stride = parts + 1
        var copies = [Int](repeating: 0, count: 4 * stride)
        copies.withUnsafeMutableBufferPointer { copies in
            let low = SIMD4(repeating: group.low), limit = SIMD4(repeating: span)
            let shifts = SIMD4(repeating: T.Key(truncatingIfNeeded: shift)), extra = SIMD4(repeating: T.Key(truncatingIfNeeded: parts))
            var i = 0
            while i &+ 4 <= values.count {
                // Lane-wise selects: a scalar `?:` here compiles to a branch.
                let offsets = SIMD4(values[i].orderedKey, values[i &+ 1].orderedKey, values[i &+ 2].orderedKey, values[i &+ 3].orderedKey) &- low
                let part = (offsets &>> shifts).replacing(with: extra, where: offsets .> limit)
                copies[Int(truncatingIfNeeded: part[0])] &+= 1
                copies[stride &+ Int(truncatingIfNeeded: part[1])] &+= 1
                copies[2 &* stride &+ Int(truncatingIfNeeded: part[2])] &+= 1
                copies[3 &* stride &+ Int(truncatingIfNeeded: part[3])] &+= 1
                i &+= 4
            }
            for x in values[i...] {
                let offset = x.orderedKey &- group.low
                copies[offset <= span ? Int(truncatingIfNeeded: offset >> shift) : parts] &+= 1
            }
        }
        let counts = (0..<parts).map { copies[$0] + copies[stride + $0] + copies[2 * stride + $0] + copies[3 * stride + $0] }
        return split(ranks: group.ranks, counts: counts, start: group.below, cell: { _ in group.cell }) { part in
            let low = group.low + T.Key(truncatingIfNeeded: part) << shift
            let width = T.Key(1) << shift
            let high = group.high - low < width ? group.high : low + (width - 1)
            return (low, high)
        }
    }

    /// One pass: collects each group's keys, selects its ranks, and counts outliers.
    static func gather(
        _ groups: [Group], from values: ValueStream<T>, plan: GatherPlan<T>, formula: CellFormula<T>?,
        whole: WholeCells?, kept: UnsafeRawPointer?, markedZeros: Int, into outcome: inout Outcome
    ) {
        var plan = plan
        // Disjoint ranges in key order: a refined cell's groups are neighbours.
        let groups = zip(groups, groups.dropFirst()).allSatisfy { $0.low < $1.low } ? groups : groups.sorted { $0.low < $1.low }
        // Outliers from the cells: the cells holding the inlier bounds are gathered (counted exactly).
        var boundaryCells = [Int]()
        var outliersOutside = 0
        if let whole {
            let cells = whole.counts
            if plan.inlierLow > whole.lowest {
                let low = whole.formula.cell(plan.inlierLow)
                boundaryCells.append(low)
                outliersOutside += cells[..<low].reduce(0, +)
            }
            if plan.inlierHigh < whole.highest {
                let high = whole.formula.cell(plan.inlierHigh)
                if !boundaryCells.contains(high) { boundaryCells.append(high) }
                outliersOutside += cells[(high + 1)...].reduce(0, +)
            }
            if plan.inlierLow > -.infinity { outliersOutside += whole.negativeInfinities }
            if plan.inlierHigh < .infinity { outliersOutside += whole.positiveInfinities }
        }
        // Every group lies in one cell: a value's slot names the cell, and so the only groups that can hold it.
        let cellGroups = formula.map { $0.prescale == 1 && $0.cells + 2 < 1 << 15 } == true && groups.allSatisfy { $0.cell != nil }
        let cellOfGroup = groups.map { $0.cell ?? -1 }
        let refinedCells = zip(cellOfGroup, cellOfGroup.dropFirst()).contains { $0 >= 0 && $0 == $1 }
        // A refined group is a small part of its cell: when the groups' cells would send more than an
        // eighth of the input that no group holds, the groups' top key digits find the candidates instead.
        var partsOfCells = false
        if let whole {
            let held = groups.reduce(0) { $0 + $1.count }
            let inCells = Set(cellOfGroup).reduce(0) { $0 + ($1 >= 0 ? whole.counts[$1] : 0) }
            partsOfCells = inCells - held > values.count / 8
        }
        // Slots of the groups' cells; a cell at either end also owns the slot beyond it.
        var targets = [Int]()
        if cellGroups, !partsOfCells, let formula {
            var cells = [Int]()
            for cell in cellOfGroup + boundaryCells where !cells.contains(cell) { cells.append(cell) }
            for cell in cells {
                targets.append(cell + 1)
                if cell == 0 { targets.append(0) }
                if cell == formula.cells - 1 { targets.append(formula.cells + 1) }
            }
            if !targets.isEmpty && targets.count <= GatherPlan<T>.maximumTargets {
                plan.offset = formula.offset
                plan.scale = formula.scale
                plan.targets = targets
            } else {
                targets = []
            }
        }
        // A small input is read value by value, every value a candidate: cheaper than zeroing the
        // 64 KiB digit table for it.
        let everyValue = targets.isEmpty && values.count <= Self.everyValueLimit
        var flags = [UInt8](repeating: 0, count: targets.isEmpty && !everyValue ? 1 << 16 : 0)
        if targets.isEmpty && !everyValue {
            for group in groups {
                for digit in Int(truncatingIfNeeded: group.low >> (keyBits - 16))...Int(truncatingIfNeeded: group.high >> (keyBits - 16)) {
                    flags[digit] = 1
                }
            }
        }
        let lows = groups.map(\.low), highs = groups.map(\.high)
        let byDigit = targets.isEmpty, cellOutliers = whole != nil && !targets.isEmpty
        // A group's zeros are not gathered (`Group.zeros`); the kernels leave them out unless the
        // zeros' cell is one whose outliers are counted candidate by candidate.
        let zeros = groups.reduce(0) { $0 + $1.zeros }
        let skipZeros = zeros > 0 && !byDigit && !(cellOutliers && boundaryCells.contains(formula!.cell(.zero)))
        // Candidates from a crowded cell (a gradient's exact zeros) come often enough that
        // branching on each vector's hits mispredicts: they are collected without branches.
        var expectedCandidates = 0
        if let whole, cellOutliers {
            let cells = Set(targets.map { Swift.min(Swift.max($0 - 1, 0), whole.counts.count - 1) })
            for cell in cells { expectedCandidates += whole.counts[cell] }
            if skipZeros { expectedCandidates -= zeros }
        }
        let dense = cellOutliers && expectedCandidates > values.count / 32
        // The slots pass 2 kept are read instead of the values (half the bytes, no slot formula),
        // unless the candidates come too often to branch on (dense, or zeros the kernel would skip
        // and pass 2 did not set apart).
        let fromKept = kept != nil && cellOutliers && expectedCandidates + (skipZeros && markedZeros == 0 ? zeros : 0) <= values.count / 32
        // Zeros set apart are never candidates: if their cell holds an inlier bound, they are
        // outliers or not all together.
        var zerosOutside = 0
        if fromKept, markedZeros > 0, let formula, boundaryCells.contains(formula.cell(.zero)), T.zero < plan.inlierLow || T.zero > plan.inlierHigh {
            zerosOutside = markedZeros
        }
        let denseRoom = expectedCandidates + 2 * T.Vector.scalarCount  // the padded tail may alias a slot
        let finalPlan = plan, flagTable = flags
        // With cell groups, a candidate's slot names its groups, and whether its cell holds an
        // inlier bound (outliers are counted by cell only with targets), without a search: crowded
        // cells send many candidates, and a small input sends every value (more groups than the
        // kernels' targets are common there, each cell holding a value or two).
        let slotFormula = cellGroups && (!targets.isEmpty || everyValue) ? formula : nil
        var groupOfSlot = [Int](), boundarySlot = [Bool]()
        if let slotFormula {
            let lastCell = slotFormula.cells - 1
            func slots(of cell: Int) -> [Int] { [cell + 1] + (cell == 0 ? [0] : []) + (cell == lastCell ? [lastCell + 2] : []) }
            groupOfSlot = [Int](repeating: -1, count: lastCell + 3)
            boundarySlot = [Bool](repeating: false, count: lastCell + 3)
            for (g, cell) in cellOfGroup.enumerated().reversed() {
                for slot in slots(of: cell) { groupOfSlot[slot] = g }  // the cell's first group
            }
            for cell in boundaryCells {
                for slot in slots(of: cell) { boundarySlot[slot] = true }
            }
        }
        // Each chunk has room for every group's values; unsafe storage keeps the candidate path free
        // of exclusivity checks.
        let starts = groups.indices.map { g in groups[..<g].reduce(0) { $0 + $1.gathered } }
        let ends = groups.indices.map { starts[$0] + groups[$0].gathered }
        let holdsZeros = groups.map { $0.zeros > 0 }
        let room = groups.reduce(0) { $0 + $1.gathered }
        let chunks = EngineThreads.map(values) { range -> (keys: [[T.Key]], totals: GatherTotals, boundaryOutliers: Int) in
            let store = UnsafeMutablePointer<T.Key>.allocate(capacity: Swift.max(room, 1))
            let filled = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(groups.count, 1))
            let boundaryOutliers = UnsafeMutablePointer<Int>.allocate(capacity: 1)
            defer {
                store.deallocate()
                filled.deallocate()
                boundaryOutliers.deallocate()
            }
            for g in groups.indices { filled[g] = starts[g] }
            boundaryOutliers.pointee = 0
            var totals = GatherTotals()
            flagTable.withUnsafeBufferPointer { flags in
                lows.withUnsafeBufferPointer { lows in
                    highs.withUnsafeBufferPointer { highs in
                        var plan = finalPlan
                        plan.flags = flags.baseAddress
                        // Constants, not the mutable `plan`: a captured `var` costs an exclusivity check per candidate.
                        let inlierLow = plan.inlierLow, inlierHigh = plan.inlierHigh
                        func take(_ x: T) {
                            let key = x.orderedKey
                            if let slotFormula {
                                let slot = Swift.min(Swift.max(slotFormula.slot(x), 0), slotFormula.cells + 1)
                                // ±Inf are counted from `whole` (a candidate may be one: its slot is no cell's).
                                if cellOutliers, boundarySlot[slot], x < inlierLow || x > inlierHigh, x.isFinite { boundaryOutliers.pointee += 1 }
                                var g = groupOfSlot[slot]
                                guard g >= 0 else { return }
                                // A refined cell holds several groups, in key order.
                                while key > highs[g] && refinedCells && g &+ 1 < lows.count && cellOfGroup[g &+ 1] == cellOfGroup[g] { g &+= 1 }
                                if key >= lows[g] && key <= highs[g] && filled[g] < ends[g] && !(holdsZeros[g] && x == 0) {
                                    store[filled[g]] = key
                                    filled[g] += 1
                                }
                                return
                            }
                            // Otherwise a plain search of the groups.
                            for g in 0..<lows.count where key >= lows[g] && key <= highs[g] && filled[g] < ends[g] && !(holdsZeros[g] && x == 0) {
                                store[filled[g]] = key
                                filled[g] += 1
                            }
                        }
                        if dense {
                            let buffer = UnsafeMutablePointer<T>.allocate(capacity: denseRoom + T.Vector.scalarCount)
                            defer { buffer.deallocate() }
                            var count = 0
                            func denseBlock<Narrow: KernelSwitch>(_ pointer: UnsafeRawPointer, _ vectors: Int, _: Narrow.Type) {
                                if skipZeros {
                                    T.gatherDenseBlock(
                                        pointer, vectors, plan: plan, skipZeros: On.self, narrow: Narrow.self, buffer: buffer, count: &count,
                                        limit: denseRoom - 1)
                                } else {
                                    T.gatherDenseBlock(
                                        pointer, vectors, plan: plan, skipZeros: Off.self, narrow: Narrow.self, buffer: buffer, count: &count,
                                        limit: denseRoom - 1)
                                }
                            }
                            values.forEachBlock(vectors: range, narrowBlocks: true) { pointer, vectors, isPaddedTail in
                                if values.isNarrow && !isPaddedTail { denseBlock(pointer, vectors, On.self) } else { denseBlock(pointer, vectors, Off.self) }
                            }
                            if count < denseRoom - 1 {
                                for k in 0..<count { take(buffer[k]) }
                                return
                            }
                            // More candidates than the cells hold cannot happen; if it did, the branching pass below still counts right.
                        }
                        if everyValue {
                            let lanes = T.Vector.scalarCount
                            for i in range.lowerBound * lanes..<Swift.min(values.count, range.upperBound * lanes) {
                                let x = values[i]
                                if x < inlierLow || x > inlierHigh { totals.outliers += 1 }  // as gatherByDigitBlock: ±Inf too, NaN never
                                take(x)
                            }
                            return
                        }
                        func cellBlock<Narrow: KernelSwitch>(_ pointer: UnsafeRawPointer, _ vectors: Int, _: Narrow.Type) {
                            switch (cellOutliers, skipZeros) {
                            case (true, true):
                                T.gatherBlock(
                                    pointer, vectors, plan: plan, outliers: Off.self, skipZeros: On.self, narrow: Narrow.self, into: &totals,
                                    candidate: take)
                            case (true, false):
                                T.gatherBlock(
                                    pointer, vectors, plan: plan, outliers: Off.self, skipZeros: Off.self, narrow: Narrow.self, into: &totals,
                                    candidate: take)
                            case (false, true):
                                T.gatherBlock(
                                    pointer, vectors, plan: plan, outliers: On.self, skipZeros: On.self, narrow: Narrow.self, into: &totals,
                                    candidate: take)
                            case (false, false):
                                T.gatherBlock(
                                    pointer, vectors, plan: plan, outliers: On.self, skipZeros: Off.self, narrow: Narrow.self, into: &totals,
                                    candidate: take)
                            }
                        }
                        var rest = range
                        if fromKept, let kept {
                            // Every whole vector's slots were kept; the padded tail is read as values.
                            let lanes = T.Vector.scalarCount
                            let whole = range.lowerBound..<Swift.max(range.lowerBound, Swift.min(range.upperBound, values.count / lanes))
                            let room = Swift.min(VectorStream.blockVectors, whole.count) * lanes
                            let indices = UnsafeMutablePointer<Int>.allocate(capacity: room), found = UnsafeMutablePointer<T>.allocate(capacity: room)
                            defer {
                                indices.deallocate()
                                found.deallocate()
                            }
                            var block = whole.lowerBound
                            while block < whole.upperBound {
                                let vectors = Swift.min(VectorStream.blockVectors, whole.upperBound - block), first = block * lanes
                                var count = 0
                                T.gatherKeptBlock(kept + block * MemoryLayout<T.Packed>.stride, vectors, plan: plan) {
                                    indices[count] = first &+ $0
                                    count &+= 1
                                }
                                // The candidates' values are loaded together, so that their cache misses overlap.
                                for k in 0..<count { found[k] = values[indices[k]] }
                                for k in 0..<count { take(found[k]) }
                                block += vectors
                            }
                            rest = whole.upperBound..<range.upperBound
                        }
                        values.forEachBlock(vectors: rest, narrowBlocks: !byDigit) { pointer, vectors, isPaddedTail in
                            if byDigit {
                                T.gatherByDigitBlock(pointer, vectors, plan: plan, into: &totals, candidate: take)
                            } else if values.isNarrow && !isPaddedTail {
                                cellBlock(pointer, vectors, On.self)
                            } else {
                                cellBlock(pointer, vectors, Off.self)
                            }
                        }
                    }
                }
            }
            let keys = groups.indices.map { g in Array(UnsafeBufferPointer(start: store + starts[g], count: filled[g] - starts[g])) }
            return (keys, totals, boundaryOutliers.pointee)
        }
        outcome.totals.outliers = cellOutliers ? outliersOutside + zerosOutside : 0
        for chunk in chunks { outcome.totals.outliers += cellOutliers ? chunk.boundaryOutliers : chunk.totals.outliers }
        for (g, group) in groups.enumerated() {
            var keys = chunks.count == 1 ? chunks[0].keys[g] : chunks.flatMap { $0.keys[g] }
            keys.withUnsafeMutableBufferPointer { region in
                // Ranks below the group's zeros fall among its negatives, ranks above them move down.
                let negatives = group.zeros > 0 ? region.reduce(0) { $0 + ($1 < (-T.zero).orderedKey ? 1 : 0) } : 0
                var gathered = [(index: Int, rank: Int)]()  // ascending, as the group's ranks are
                for wanted in group.ranks {
                    if wanted.rank >= negatives && wanted.rank < negatives + group.zeros {
                        outcome.values[wanted.index] = .zero
                        continue
                    }
                    let rank = wanted.rank < negatives ? wanted.rank : wanted.rank - group.zeros
                    if rank < region.count { gathered.append((wanted.index, rank)) }
                }
                if !gathered.isEmpty {
                    let selected = Self.select(gathered.map(\.rank), in: region, low: group.low, high: group.high)
                    for (wanted, key) in zip(gathered, selected) { outcome.values[wanted.index] = T(orderedKey: key) }
                }
            }
        }
    }

    /// Regions of at most this many keys are selected in place, rank by rank (`selectInTurn`).
    static var quickselectLimit: Int { 1 << 10 }

    /// The keys at `ranks` (ascending, distinct, each below `keys.count`) of `keys`, which all lie
    /// in `low...high`. A region of more than `quickselectUpTo` keys (the whole crowded cell of a
    /// heavy-tailed tensor) is split by the next `splitBits` bits of its keys: one counting pass
    /// finds each rank's bucket, one more copies the keys of those buckets alone, and each is
    /// selected in turn. A quickselect per rank would partition the whole region, with a
    /// mispredicted branch per key, once per rank.
    static func select(
        _ ranks: [Int], in keys: UnsafeMutableBufferPointer<T.Key>, low: T.Key, high: T.Key, splitBits: Int = 11,
        quickselectUpTo: Int = quickselectLimit
    ) -> [T.Key] {
        if low == high { return ranks.map { _ in low } }
        if keys.count <= quickselectUpTo { return selectInTurn(ranks, in: keys) }
        let span = high &- low
        let shift = Swift.max(0, (keyBits - span.leadingZeroBitCount) - splitBits)
        let buckets = Int(truncatingIfNeeded: span >> shift) + 1
        var counts = [Int](repeating: 0, count: buckets)
        counts.withUnsafeMutableBufferPointer { counts in
            for key in keys { counts[Int(truncatingIfNeeded: (key &- low) >> shift)] &+= 1 }
        }
        // Each wanted bucket and the ranks in it (among its own keys).
        var wanted = [(bucket: Int, ranks: [Int])]()
        precondition(ranks.last.map { $0 < keys.count } ?? true, "ranks must lie below the number of keys")
        counts.withUnsafeBufferPointer { counts in
            var bucket = 0, below = 0
            for rank in ranks {
                // The counts add up to keys.count, past every rank: the walk stays inside them.
                while below &+ counts[bucket] <= rank {
                    below &+= counts[bucket]
                    bucket &+= 1
                }
                if wanted.last?.bucket == bucket { wanted[wanted.count - 1].ranks.append(rank - below) } else { wanted.append((bucket, [rank - below])) }
            }
        }
        // With single-key buckets a rank's bucket is its key.
        if shift == 0 { return wanted.flatMap { w in w.ranks.map { _ in low &+ T.Key(truncatingIfNeeded: w.bucket) } } }
        var slotOfBucket = [Int](repeating: -1, count: buckets)
        var starts = [Int]()
        var room = 0
        for (slot, w) in wanted.enumerated() {
            slotOfBucket[w.bucket] = slot
            starts.append(room)
            room += counts[w.bucket]
        }
        let store = UnsafeMutablePointer<T.Key>.allocate(capacity: room)
        defer { store.deallocate() }
        var filled = starts
        slotOfBucket.withUnsafeBufferPointer { slotOfBucket in
            filled.withUnsafeMutableBufferPointer { filled in
                for key in keys {
                    let slot = slotOfBucket[Int(truncatingIfNeeded: (key &- low) >> shift)]
                    if slot >= 0 {
                        store[filled[slot]] = key
                        filled[slot] &+= 1
                    }
                }
            }
        }
        var selected = [T.Key]()
        for (slot, w) in wanted.enumerated() {
            let bucketLow = low &+ T.Key(truncatingIfNeeded: w.bucket) << shift
            let bucketHigh = high &- bucketLow < (T.Key(1) << shift) ? high : bucketLow &+ ((T.Key(1) << shift) &- 1)
            let region = UnsafeMutableBufferPointer(start: store + starts[slot], count: counts[w.bucket])
            selected += select(w.ranks, in: region, low: bucketLow, high: bucketHigh)
        }
        return selected
    }

    /// The keys at `ranks` (ascending, distinct) of `keys`, reordering `keys`, rank by rank: a
    /// quickselect leaves every key below its rank at most every key above it, so each rank is
    /// selected among the keys above the previous one; the rank just above it (a quantile's
    /// second order statistic) is their least key, found by a scan.
    static func selectInTurn(_ ranks: [Int], in keys: UnsafeMutableBufferPointer<T.Key>) -> [T.Key] {
        var selected = [T.Key]()
        selected.reserveCapacity(ranks.count)
        var start = 0
        for rank in ranks {
            if rank == start {
                var least = start
                for i in start..<keys.count where keys[i] < keys[least] { least = i }
                keys.swapAt(start, least)
            } else {
                _ = select(rank - start, in: UnsafeMutableBufferPointer(rebasing: keys[start...]))
            }
            selected.append(keys[rank])
            start = rank + 1
        }
        return selected
    }

    /// The `k`-th smallest key of `keys` (0-based), reordering `keys`: Hoare-partition quickselect
    /// with median-of-three pivots, ending in insertion sort on short ranges. A range that has not
    /// shrunk to a small part after `2 log2(n)` partitions is sorted instead, so that an order
    /// defeating the pivots costs `n log n`, not `n²`.
    static func select(_ k: Int, in keys: UnsafeMutableBufferPointer<T.Key>) -> T.Key {
        var low = 0
        var high = keys.count - 1
        var partitionsLeft = 2 * (Int.bitWidth - keys.count.leadingZeroBitCount)
        while high - low > 16 {
            if partitionsLeft == 0 {
                var rest = UnsafeMutableBufferPointer(rebasing: keys[low...high])
                rest.sort()
                return keys[k]
            }
            partitionsLeft -= 1
            let middle = low + (high - low) / 2
            if keys[middle] < keys[low] { keys.swapAt(middle, low) }
            if keys[high] < keys[low] { keys.swapAt(high, low) }
            if keys[high] < keys[middle] { keys.swapAt(high, middle) }
            let pivot = keys[middle]
            var i = low
            var j = high
            while i <= j {
                while keys[i] < pivot { i &+= 1 }
                while pivot < keys[j] { j &-= 1 }
                if i <= j {
                    keys.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { high = j } else if k >= i { low = i } else { return keys[k] }
        }
        if low < high {
            for i in (low + 1)...high {
                let key = keys[i]
                var j = i - 1
                while j >= low && keys[j] > key {
                    keys[j + 1] = keys[j]
                    j -= 1
                }
                keys[j + 1] = key
            }
        }
        return keys[k]
    }
}
