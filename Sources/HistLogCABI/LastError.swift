import Glibc

/// The calling thread's last failure, read by `hl_last_error()` and `hl_last_errno()`.
///
/// Each thread owns its record in `malloc`ed memory hung on a pthread key: the errno, then the
/// message as a NUL-terminated copy. It stays valid until the same thread records the next
/// failure, and the key's destructor frees it when the thread exits. Per thread because ctypes
/// releases the GIL around each call, so several threads can be inside libhistlog at once.
enum LastError {
    /// nil only if the process is out of pthread keys; failures then have no message.
    private static let key: pthread_key_t? = {
        var key = pthread_key_t()
        return pthread_key_create(&key, { free($0) }) == 0 ? key : nil
    }()

    /// The message starts after the errno, at an offset that keeps it aligned.
    private static let messageOffset = MemoryLayout<Int32>.stride

    /// Replaces this thread's failure with `failure`.
    static func record(_ failure: Failure) {
        guard let key else { return }
        let utf8 = Array(failure.message.utf8)
        guard let block = malloc(messageOffset + utf8.count + 1) else { return }
        block.storeBytes(of: failure.errno, as: Int32.self)
        let text = (block + messageOffset).assumingMemoryBound(to: UInt8.self)
        text.initialize(from: utf8, count: utf8.count)
        text[utf8.count] = 0
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, block)
        free(previous)
    }

    /// This thread's message, or a static text when it has none. Never NULL.
    static var message: UnsafePointer<CChar> {
        if let key, let block = pthread_getspecific(key) {
            return UnsafePointer((block + messageOffset).assumingMemoryBound(to: CChar.self))
        }
        return cString("no error recorded on this thread")
    }

    /// This thread's errno, 0 when it has none.
    static var errno: Int32 {
        guard let key, let block = pthread_getspecific(key) else { return 0 }
        return block.load(as: Int32.self)
    }
}

/// A `StaticString`'s bytes as a C string (static storage, NUL-terminated).
func cString(_ text: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}
