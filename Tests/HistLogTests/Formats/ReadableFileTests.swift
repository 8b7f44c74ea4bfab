import Foundation
import Glibc
import Testing
@testable import HistLog

struct ReadableFileTests {
    /// Opening what is not a regular file fails with an error naming it, and closes the
    /// descriptor it opened exactly once: a second `close` of that number would close whatever
    /// another thread (the training job's) opened under it meanwhile. A second `close` on this
    /// thread fails with `EBADF`, which is what is checked.
    @Test func refusingADirectoryClosesItsDescriptorOnce() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        errno = 0
        do {
            _ = try ReadableFile(FilePath(directory))
            Issue.record("a directory was opened as a file")
        } catch {
            #expect(error.message.contains(directory) && error.message.contains("not a file"), "\(error.message)")
        }
        #expect(errno != EBADF, "the descriptor was closed twice")
    }
}
