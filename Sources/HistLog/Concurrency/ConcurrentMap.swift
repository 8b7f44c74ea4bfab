import Glibc
import Synchronization

/// `body(index)` for every index of `0..<count`, spread over up to `maximumThreads` threads
/// (the caller's among them), each index taken once from a shared counter; the results in
/// index order. Runs on the calling thread alone when there is one index or one processor.
/// `waitsOnIO`: `body` mostly waits (fsync), so threads are not limited to the processors.
/// `body` must be safe to call from several threads at once.
func concurrentMap<T>(_ count: Int, maximumThreads: Int = 8, waitsOnIO: Bool = false, _ body: @escaping (Int) -> T) -> [T] {
    let processors = waitsOnIO ? maximumThreads : Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    let threads = Swift.min(count, maximumThreads, Swift.max(processors, 1))
    guard threads > 1 else { return (0..<count).map(body) }
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        let work = ConcurrentWork(results: buffer.baseAddress!, count: count, body: body)
        var started: [pthread_t] = []
        for _ in 1..<threads {
            var thread = pthread_t()
            let context = Unmanaged<ConcurrentWorker>.passRetained(work).toOpaque()
            let result = pthread_create(&thread, nil, { context in
                Unmanaged<ConcurrentWorker>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context)
            if result == 0 {
                started.append(thread)
            } else {
                Unmanaged<ConcurrentWorker>.fromOpaque(context).release()  // fewer threads: the others do its share
            }
        }
        work.run()
        for thread in started { pthread_join(thread, nil) }
        initialized = count  // every index was taken exactly once
    }
}

/// What a thread of `concurrentMap` runs (not generic: a C thread entry cannot name `T`).
private class ConcurrentWorker: @unchecked Sendable {
    func run() {}
}

/// The shared state of `concurrentMap`: the next index to take, and the results, each
/// initialized by the one thread that took its index and read after every thread was joined.
private final class ConcurrentWork<T>: ConcurrentWorker, @unchecked Sendable {
    private let next = Atomic<Int>(0)
    private let results: UnsafeMutablePointer<T>
    private let count: Int
    private let body: (Int) -> T

    init(results: UnsafeMutablePointer<T>, count: Int, body: @escaping (Int) -> T) {
        self.results = results
        self.count = count
        self.body = body
    }

    override func run() {
        while case let index = next.add(1, ordering: .relaxed).oldValue, index < count {
            (results + index).initialize(to: body(index))
        }
    }
}
