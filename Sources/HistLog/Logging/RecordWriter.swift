import Glibc

/// The writer thread of a logger: a bounded FIFO of records that one pthread drains into the
/// sinks, in order. `enqueue` waits while the queue is full (back-pressure); `flush` waits until
/// everything enqueued before it went through every sink and the sinks flushed.
///
/// All mutable state is guarded by `mutex`; the sinks are touched only by the writer thread.
final class RecordWriter: @unchecked Sendable {
    /// A queued item. A struct rather than an enum with a record case and an event case: such an
    /// enum leaves the bytes of the larger payload unset for the smaller one, and the writer
    /// thread's switch reads them (valgrind reports it).
    private struct Item {
        enum Kind { case record, tensorBoardEvent, flush, stop }
        var kind: Kind
        var record: HistogramRecord? = nil
        var event: [UInt8] = []
    }

    private enum State { case open, closing, closed }

    private let sinks: [any HistogramSink]
    private let capacity: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Signalled when an item is added (the writer waits on it).
    private let itemAdded = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Broadcast when an item is taken while producers wait for room, or when the item a flusher
    /// or closer waits for is finished: not per item, so a flush does not wake its caller once
    /// per record written before it.
    private let progress = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    private var ring: [Item?]
    private var head = 0
    private var count = 0
    private var enqueued: UInt64 = 0
    private var finished: UInt64 = 0
    /// Producers waiting for room in a full queue.
    private var roomWaiters = 0
    /// The earliest ticket a flusher or closer waits for (`UInt64.max`: none).
    private var awaitedTicket = UInt64.max
    private var state = State.open
    /// The first sink failure not yet reported, and how many more followed it.
    private var pendingError: HistlogError?
    private var moreErrors = 0
    private var thread = pthread_t()
    /// The process that started the thread: a forked child has no writer thread (and may have
    /// inherited a locked mutex), so it must not touch the queue.
    private let ownerProcess = getpid()

    init(sinks: [any HistogramSink], capacity: Int) throws(HistlogError) {
        self.sinks = sinks
        self.capacity = capacity
        ring = Array(repeating: nil, count: capacity)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(itemAdded, nil)
        pthread_cond_init(progress, nil)
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&thread, nil, { context in
            Unmanaged<RecordWriter>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        if result != 0 {
            Unmanaged<RecordWriter>.fromOpaque(context).release()
            state = .closed
            throw .io("cannot start the writer thread: \(String(cString: strerror(result)))", errno: result)
        }
    }

    deinit {
        pthread_cond_destroy(progress)
        pthread_cond_destroy(itemAdded)
        pthread_mutex_destroy(mutex)
        progress.deallocate()
        itemAdded.deallocate()
        mutex.deallocate()
    }

    private func withLock<T>(_ body: () throws(HistlogError) -> T) throws(HistlogError) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Throws `closed` in a forked child process.
    private func checkProcess() throws(HistlogError) {
        let current = getpid()
        guard current == ownerProcess else {
            throw .closed("this logger was opened in process \(ownerProcess); process \(current) is a fork of it and must open its own logger")
        }
    }

    var isOpen: Bool {
        guard getpid() == ownerProcess else { return false }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return state == .open
    }

    /// Queues a record, waiting while the queue is full. A sink failure not yet reported is
    /// thrown instead, and the record is not queued.
    func enqueue(_ record: HistogramRecord) throws(HistlogError) {
        try checkProcess()
        return try withLock { () throws(HistlogError) in
            try reportErrors()
            _ = try push(Item(kind: .record, record: record), closingAllowed: false)
        }
    }

    /// Queues a serialized TensorBoard event for the TensorBoard sink, waiting while the queue is full.
    func enqueue(event: [UInt8]) throws(HistlogError) {
        try checkProcess()
        return try withLock { () throws(HistlogError) in
            try reportErrors()
            _ = try push(Item(kind: .tensorBoardEvent, event: event), closingAllowed: false)
        }
    }

    /// Waits until every record queued before the call was written by every sink and the sinks
    /// flushed; throws the first sink failure since the last report.
    func flush() throws(HistlogError) {
        try checkProcess()
        return try withLock { () throws(HistlogError) in
            let ticket = try push(Item(kind: .flush), closingAllowed: false)
            waitUntilFinished(ticket)
            try reportErrors()
        }
    }

    /// Flushes, closes the sinks and stops the thread. Throws `closed` if already closed.
    func close() throws(HistlogError) {
        try checkProcess()
        let ticket = try withLock { () throws(HistlogError) in
            guard state == .open else { throw HistlogError.closed("the logger is already closed") }
            state = .closing
            return try push(Item(kind: .stop), closingAllowed: true)
        }
        pthread_join(thread, nil)
        try withLock { () throws(HistlogError) in
            waitUntilFinished(ticket)
            state = .closed
            try reportErrors()
        }
    }

    /// Must hold the lock. Returns the item's ticket (its position in the total order).
    private func push(_ item: Item, closingAllowed: Bool) throws(HistlogError) -> UInt64 {
        while true {
            guard state == .open || (closingAllowed && state == .closing) else {
                throw .closed("the logger is closed")
            }
            if count < capacity { break }
            roomWaiters += 1
            pthread_cond_wait(progress, mutex)
            roomWaiters -= 1
        }
        ring[(head + count) % capacity] = item
        count += 1
        enqueued += 1
        pthread_cond_signal(itemAdded)
        return enqueued
    }

    private func waitUntilFinished(_ ticket: UInt64) {
        while finished < ticket {
            awaitedTicket = Swift.min(awaitedTicket, ticket)
            pthread_cond_wait(progress, mutex)
        }
    }

    private func reportErrors() throws(HistlogError) {
        guard let error = pendingError else { return }
        let more = moreErrors
        pendingError = nil
        moreErrors = 0
        guard more > 0 else { throw error }
        throw error.withMessage { "\($0) (and \(more) more write failure\(more == 1 ? "" : "s"))" }
    }

    /// The writer thread's loop.
    private func run() {
        while true {
            pthread_mutex_lock(mutex)
            while count == 0 { pthread_cond_wait(itemAdded, mutex) }
            let item = ring[head]!
            ring[head] = nil
            head = (head + 1) % capacity
            count -= 1
            if roomWaiters > 0 { pthread_cond_broadcast(progress) }
            pthread_mutex_unlock(mutex)

            var failures: [HistlogError] = []
            let stop: Bool
            switch item.kind {
            case .record:
                let record = item.record!  // set for every .record item
                for sink in sinks {
                    do { try sink.write(record) } catch {
                        failures.append(Self.describe(error, "writing \"\(record.key)\" step \(record.step)"))
                    }
                }
                stop = false
            case .tensorBoardEvent:
                for case let sink as TensorBoardEventSink in sinks {
                    do { try sink.append(event: item.event) } catch {
                        failures.append(Self.describe(error, "writing a TensorBoard event"))
                    }
                }
                stop = false
            case .flush:
                for sink in sinks {
                    do { try sink.flush() } catch { failures.append(Self.describe(error, "flushing")) }
                }
                stop = false
            case .stop:
                for sink in sinks {
                    do { try sink.flush() } catch { failures.append(Self.describe(error, "flushing")) }
                    do { try sink.close() } catch { failures.append(Self.describe(error, "closing")) }
                }
                stop = true
            }

            pthread_mutex_lock(mutex)
            for failure in failures {
                if pendingError == nil { pendingError = failure } else { moreErrors += 1 }
            }
            finished += 1
            if finished >= awaitedTicket || stop {
                awaitedTicket = .max  // the waiters still short of their ticket set it again
                pthread_cond_broadcast(progress)
            }
            pthread_mutex_unlock(mutex)
            if stop { return }
        }
    }

    private static func describe(_ error: any Error, _ action: String) -> HistlogError {
        guard let error = error as? HistlogError else { return .io("\(action): \(error)") }
        return error.withMessage { "\(action): \($0)" }
    }
}
