/// Exact order statistics of the finite values of a buffer, without sorting or copying it.
///
/// Pass 2 leaves counts over consecutive ranges of values (the fine cells of a uniform layout,
/// or the buckets of the top 16 bits of the order-preserving keys otherwise). Each wanted rank
/// falls in one range, a `Group`: a closed range of keys with a known count. A group holding more
/// than `gatherLimit` values is refined by a pass counting the next 16 bits of its keys (ties
/// collapse to a single key, whose value needs no search). The remaining groups are gathered by
/// one pass (`EngineFloat.gatherBlock`, which also counts outliers and zeros) into a buffer of at
/// most `ranks × gatherLimit` keys (its test: a table of flags per top 16 key bits, then the exact
/// key range) and selected there with quickselect.
/// Cost: two to three streaming passes; extra memory: the counts plus the gathered keys.
struct QuantileSelection<T: EngineFloat> {
    /// The finite values whose keys lie in `low...high`, and the ranks wanted among them.
    struct Group {
        var low: T.Key
        var high: T.Key
        var count: Int
        /// (index into the caller's rank list, rank within the group)
        var ranks: [(index: Int, rank: Int)]
    }

    static var keyBits: Int { T.Key.bitWidth }

    /// The key range of the values in `[a, b]` (value order, `a <= b`): both zeros when it holds 0.
    static func keys(from a: T, through b: T) -> (low: T.Key, high: T.Key) {
        ((a == 0 ? -T.zero : a).orderedKey, (b == 0 ? T.zero : b).orderedKey)
    }

    /// Assigns each rank to the part of `counts` (consecutive parts, in value order) holding it.
    /// `range(part)` gives that part's key range.
    static func split(
        ranks: [(index: Int, rank: Int)], counts: [Int], range: (Int) -> (low: T.Key, high: T.Key)
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
                groups.append(Group(low: keys.low, high: keys.high, count: counts[part], ranks: [(wanted.index, wanted.rank - below)]))
                partOfLast = part
            }
        }
        return groups
    }

    struct Outcome {
        var values: [T]
        var totals = GatherTotals()
    }

    /// The values at `groups`' ranks, refining and gathering as described above; the gather pass
    /// also counts values outside `[inlierLow, inlierHigh]` and within `zeroTolerance` of zero.
    static func select(
        _ groups: [Group], rankCount: Int, in values: UnsafeBufferPointer<T>, gatherLimit: Int,
        inlierLow: T, inlierHigh: T, zeroTolerance: T
    ) -> Outcome {
        var outcome = Outcome(values: [T](repeating: .nan, count: rankCount))
        var pending = groups
        var gathering = [Group]()
        while let group = pending.popLast() {
            if group.low == group.high {
                for wanted in group.ranks { outcome.values[wanted.index] = T(orderedKey: group.low) }
            } else if group.count <= gatherLimit {
                gathering.append(group)
            } else {
                pending += refine(group, in: values)
            }
        }
        gather(gathering, from: values, plan: (inlierLow, inlierHigh, zeroTolerance), into: &outcome)
        return outcome
    }

    /// Splits a group by the next 16 bits of its keys (one counting pass).
    static func refine(_ group: Group, in values: UnsafeBufferPointer<T>) -> [Group] {
        let span = group.high - group.low
        let shift = Swift.max(0, (keyBits - span.leadingZeroBitCount) - 16)
        let parts = Int(truncatingIfNeeded: span >> shift) + 1
        var counts = [Int](repeating: 0, count: parts)
        for x in values where x.isFinite {
            let key = x.orderedKey
            if key >= group.low && key <= group.high {
                counts[Int(truncatingIfNeeded: (key - group.low) >> shift)] += 1
            }
        }
        return split(ranks: group.ranks, counts: counts) { part in
            let low = group.low + T.Key(truncatingIfNeeded: part) << shift
            let width = T.Key(1) << shift
            let high = group.high - low < width ? group.high : low + (width - 1)
            return (low, high)
        }
    }

    /// One pass: collects each group's keys, selects its ranks, and counts outliers and zeros.
    static func gather(_ groups: [Group], from values: UnsafeBufferPointer<T>, plan: (inlierLow: T, inlierHigh: T, zero: T), into outcome: inout Outcome) {
        var starts = [Int]()
        var total = 0
        for group in groups {
            starts.append(total)
            total += group.count
        }
        var filled = starts
        var keys = [T.Key](repeating: 0, count: total)
        var flags = [UInt8](repeating: 0, count: 1 << 16)
        for group in groups {
            for digit in Int(truncatingIfNeeded: group.low >> (keyBits - 16))...Int(truncatingIfNeeded: group.high >> (keyBits - 16)) {
                flags[digit] = 1
            }
        }
        keys.withUnsafeMutableBufferPointer { keys in
            flags.withUnsafeBufferPointer { flags in
                let gatherPlan = GatherPlan(inlierLow: plan.inlierLow, inlierHigh: plan.inlierHigh, zeroTolerance: plan.zero, flags: flags.baseAddress!)
                VectorStream.forEachBlock(values) { pointer, vectors, _ in
                    T.gatherBlock(pointer, vectors, plan: gatherPlan, into: &outcome.totals) { x in
                        let key = x.orderedKey
                        for g in groups.indices where key >= groups[g].low && key <= groups[g].high && filled[g] < starts[g] + groups[g].count {
                            keys[filled[g]] = key
                            filled[g] += 1
                        }
                    }
                }
            }
            for (g, group) in groups.enumerated() {
                let region = UnsafeMutableBufferPointer(rebasing: keys[starts[g]..<filled[g]])
                for wanted in group.ranks where wanted.rank < region.count {
                    outcome.values[wanted.index] = T(orderedKey: Self.select(wanted.rank, in: region))
                }
            }
        }
    }

    /// The `k`-th smallest key of `keys` (0-based), reordering `keys`: Hoare-partition quickselect
    /// with median-of-three pivots, ending in insertion sort on short ranges.
    static func select(_ k: Int, in keys: UnsafeMutableBufferPointer<T.Key>) -> T.Key {
        var low = 0
        var high = keys.count - 1
        while high - low > 16 {
            let middle = low + (high - low) / 2
            if keys[middle] < keys[low] { keys.swapAt(middle, low) }
            if keys[high] < keys[low] { keys.swapAt(high, low) }
            if keys[high] < keys[middle] { keys.swapAt(high, middle) }
            let pivot = keys[middle]
            var i = low
            var j = high
            while i <= j {
                while keys[i] < pivot { i += 1 }
                while pivot < keys[j] { j -= 1 }
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
