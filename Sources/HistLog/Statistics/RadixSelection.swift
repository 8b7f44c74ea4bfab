/// Exact order statistics of the finite values of a buffer, without sorting or copying it.
///
/// Radix selection on the order-preserving integer keys of the values (`EngineFloat.orderedKey`):
/// the caller's streaming pass counts keys by their top 16 bits (`digitBits`); each wanted rank
/// then falls in one bucket. A bucket holding more than `gatherLimit` values is refined by one more
/// pass counting its next 16 bits (ties collapse to a fully known key, whose value needs no
/// search). The values of the remaining small buckets are gathered by one pass (which also counts
/// outliers) into a scratch buffer of at most `ranks × gatherLimit` keys, and selected there with
/// quickselect. Cost: two or three streaming passes in total; extra memory: one table of
/// 2^16 counts plus the gathered keys.
struct RadixSelection<T: EngineFloat> {
    static var digitBits: Int { 16 }
    static var bucketCount: Int { 1 << digitBits }
    static var keyBits: Int { T.Key.bitWidth }

    /// The values sharing the top `bits` bits of their key, and the ranks wanted among them.
    struct Group {
        var prefix: T.Key
        var bits: Int
        var count: Int
        /// (index into the caller's rank list, rank within the group)
        var ranks: [(index: Int, rank: Int)]
    }

    /// The top-digit bucket of a key.
    @inline(__always) static func bucket(of key: T.Key) -> Int {
        Int(truncatingIfNeeded: key >> (keyBits - digitBits))
    }

    /// Clears the buckets outside those of `min` and `max`: they hold only NaN and ±Inf (and the
    /// NaN padding of the streaming passes), never a finite value.
    static func dropNonFinite(_ counts: UnsafeMutableBufferPointer<Int>, min: T, max: T) {
        // -0 sorts just below +0 by key, whichever zero the scan kept as an extreme.
        let first = bucket(of: (min == 0 ? -T.zero : min).orderedKey)
        let last = bucket(of: (max == 0 ? T.zero : max).orderedKey)
        for i in counts.indices where i < first || i > last { counts[i] = 0 }
    }

    /// Splits `ranks` (indices into the sorted finite values) over the buckets of `counts`, a table
    /// of `bucketCount` counts of the keys that extend `prefix` (of `bits` bits) by one digit.
    static func split(ranks: [(index: Int, rank: Int)], counts: UnsafeMutableBufferPointer<Int>, prefix: T.Key, bits: Int) -> [Group] {
        var groups = [Group]()
        let sorted = ranks.sorted { $0.rank < $1.rank }
        var bucket = 0
        var below = 0  // values in buckets before `bucket`
        for wanted in sorted {
            while bucket < counts.count - 1 && below + counts[bucket] <= wanted.rank {
                below += counts[bucket]
                bucket += 1
            }
            let digit = T.Key(truncatingIfNeeded: bucket)
            let childPrefix = bits == 0 ? digit : (prefix << digitBits) | digit
            if let last = groups.last, last.prefix == childPrefix {
                groups[groups.count - 1].ranks.append((wanted.index, wanted.rank - below))
            } else {
                groups.append(Group(prefix: childPrefix, bits: bits + digitBits, count: counts[bucket], ranks: [(wanted.index, wanted.rank - below)]))
            }
        }
        return groups
    }

    /// The values at `ranks` of the finite values of `values`, in the order of `ranks`; and the
    /// number of finite values with `|x - mean| > limit` (in `Double`), counted during the gather
    /// pass (0 when `outliers` is nil).
    ///
    /// - Parameter topCounts: per top-digit bucket, the number of finite values (filled by the
    ///   caller's pass); reused as scratch.
    static func select(
        ranks: [Int], in values: UnsafeBufferPointer<T>, topCounts: UnsafeMutableBufferPointer<Int>,
        gatherLimit: Int, outliers outlierTest: (mean: Double, limit: Double)?
    ) -> (values: [T], outliers: Int) {
        var result = [T](repeating: .nan, count: ranks.count)
        var pending = split(ranks: ranks.enumerated().map { ($0.offset, $0.element) }, counts: topCounts, prefix: 0, bits: 0)
        var gathering = [Group]()
        while let group = pending.popLast() {
            if group.bits >= keyBits {
                for wanted in group.ranks { result[wanted.index] = T(orderedKey: group.prefix) }
            } else if group.count <= gatherLimit {
                gathering.append(group)
            } else {
                refine(group, in: values, counts: topCounts)
                pending += split(ranks: group.ranks, counts: topCounts, prefix: group.prefix, bits: group.bits)
            }
        }
        let outliers = gather(gathering, from: values, outliers: outlierTest, into: &result)
        return (result, outliers)
    }

    /// Counts the next digit of the keys in `group` into `counts`.
    static func refine(_ group: Group, in values: UnsafeBufferPointer<T>, counts: UnsafeMutableBufferPointer<Int>) {
        counts.update(repeating: 0)
        let shift = keyBits - group.bits
        let digitShift = shift - digitBits
        let mask = T.Key(truncatingIfNeeded: bucketCount - 1)
        for x in values where x.isFinite {
            let key = x.orderedKey
            if key >> shift == group.prefix {
                counts[Int(truncatingIfNeeded: (key >> digitShift) & mask)] += 1
            }
        }
    }

    /// One pass: collects the keys of every group, selects each group's ranks, and counts outliers.
    static func gather(_ groups: [Group], from values: UnsafeBufferPointer<T>, outliers outlierTest: (mean: Double, limit: Double)?, into result: inout [T]) -> Int {
        var starts = [Int]()
        var total = 0
        for group in groups {
            starts.append(total)
            total += group.count
        }
        var filled = starts
        var keys = [T.Key](repeating: 0, count: total)
        // Top digits to watch for; a group deeper than one digit is checked on its full prefix.
        var digits = [Int]()
        for group in groups {
            let digit = Int(truncatingIfNeeded: group.prefix >> (group.bits - digitBits))
            if !digits.contains(digit) { digits.append(digit) }
        }
        var outliers = 0
        let mean = outlierTest?.mean ?? 0
        let limit = outlierTest?.limit ?? .infinity
        keys.withUnsafeMutableBufferPointer { keys in
            digits.withUnsafeBufferPointer { digits in
                VectorStream.forEachBlock(values) { pointer, vectors in
                    T.gatherBlock(pointer, vectors, digits: digits, mean: mean, limit: limit, outliers: &outliers) { x in
                        let key = x.orderedKey
                        for g in groups.indices where key >> (keyBits - groups[g].bits) == groups[g].prefix {
                            if filled[g] < starts[g] + groups[g].count {
                                keys[filled[g]] = key
                                filled[g] += 1
                            }
                        }
                    }
                }
            }
            for (g, group) in groups.enumerated() {
                let region = UnsafeMutableBufferPointer(rebasing: keys[starts[g]..<filled[g]])
                for wanted in group.ranks where wanted.rank < region.count {
                    result[wanted.index] = T(orderedKey: Self.select(wanted.rank, in: region))
                }
            }
        }
        return outliers
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
