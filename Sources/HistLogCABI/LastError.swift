import Glibc

/// The calling thread's last failure message, read by `hl_last_error()`.
///
/// Each thread owns a NUL-terminated copy in `malloc`ed memory hung on a pthread key: it stays
/// valid until the same thread records the next failure, and the key's destructor frees it when
/// the thread exits. Per thread because ctypes releases the GIL around each call, so several
/// threads can be inside libhistlog at once.
enum LastError {
    /// nil only if the process is out of pthread keys; failures then have no message.
    private static let key: pthread_key_t? = {
        var key = pthread_key_t()
        return pthread_key_create(&key, { free($0) }) == 0 ? key : nil
    }()

    /// Replaces this thread's message with `message`.
    static func record(_ message: String) {
        guard let key else { return }
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, message.withCString { strdup($0) })
        free(previous)
    }

    /// This thread's message, or a static text when it has none. Never NULL.
    static var message: UnsafePointer<CChar> {
        if let key, let message = pthread_getspecific(key) {
            return UnsafePointer(message.assumingMemoryBound(to: CChar.self))
        }
        return cString("no error recorded on this thread")
    }
}

/// A `StaticString`'s bytes as a C string (static storage, NUL-terminated).
func cString(_ text: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}
