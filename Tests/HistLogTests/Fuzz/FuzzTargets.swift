// What the fuzzers feed (Tests/fuzz/FuzzEntry.swift, `make fuzz`) and what `make test` replays
// on the kept corpus and crashes (FuzzRegressionTests): each target reads hostile bytes the way
// histlog reads a run and returns a description of any broken invariant (nil when it holds).
// Errors are expected outcomes; a crash, a hang or a broken invariant is a bug.
#if !HISTLOG_FUZZ
@testable import HistLog
#endif
#if canImport(Glibc)
import Glibc
#endif

enum FuzzTargets {
    /// `bytes` as a `histograms/*.json` file: read whole in chunks of 1 MiB and of 61 bytes (every
    /// refill path) with the same records or the same error; every record read again from where
    /// the reader said it lies; and `bytes` decoded as one record.
    static func json(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        _ = try? MLflowJSONRecord.decode(Array(bytes))
        guard let path = scratchFile(bytes, suffix: ".json") else { return nil }
        defer { unlink(path) }
        let whole = readJSON(path, chunk: FileWindow.chunk)
        let chunked = readJSON(path, chunk: 61)
        guard whole.records == chunked.records, whole.error == chunked.error else {
            return "chunks of 61 bytes read \(chunked.records.count) records (\(chunked.error ?? "no error")), "
                + "chunks of 1 MiB \(whole.records.count) (\(whole.error ?? "no error"))"
        }
        guard let file = try? ReadableFile(FilePath(path)) else { return nil }
        for (record, offset, length) in whole.located {
            guard let again = try? JSONRecordReader.record(in: file, offset: offset, length: length),
                  MLflowJSONRecord.encode(again) == record else {
                return "the record at byte \(offset) (\(length) bytes) does not read back where the reader located it"
            }
        }
        return nil
    }

    /// `bytes` as a TensorBoard event file: opened as a run, every key's history read, and the
    /// summary, doctor and report built from it.
    static func events(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let path = scratchFile(bytes, suffix: ".tfevents") else { return nil }
        defer { unlink(path) }
        guard let reader = try? RunReader(path: path) else { return nil }
        var histories: [KeyHistory] = []
        for key in reader.keys {
            guard let records = try? reader.history(key: key) else { continue }
            guard (try? reader.steps(key: key)) == records.map(\.step) else { return "steps of \(key) differ from its history's" }
            if let history = try? KeyHistory(reader: reader, key: key) { histories.append(history) }
        }
        let inspection = RunInspection(path: path, histories: histories)
        _ = try? inspection.summaryText()
        if let findings = try? inspection.findings(), let report = try? HTMLReport() {
            _ = try? report.render(histories, findings: findings, source: path)
        }
        return nil
    }

    private static func readJSON(_ path: String, chunk: Int) -> (records: [[UInt8]], located: [([UInt8], Int, Int)], error: String?) {
        var records: [[UInt8]] = []
        var located: [([UInt8], Int, Int)] = []
        do {
            let reader = JSONRecordReader(try ReadableFile(FilePath(path)), chunk: chunk)
            while let element = try reader.next() {
                let encoded = MLflowJSONRecord.encode(element.record)
                records.append(encoded)
                located.append((encoded, element.offset, element.length))
            }
            return (records, located, nil)
        } catch {
            return (records, located, error.message)
        }
    }

    /// A file holding `bytes` in shared memory (or the temporary directory), unique to this process.
    private static func scratchFile(_ bytes: UnsafeBufferPointer<UInt8>, suffix: String) -> String? {
        let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let path = "\(directory)/histlog-fuzz-\(getpid())\(suffix)"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            guard result > 0 else { return nil }
            written += result
        }
        return path
    }
}
