import HistLog

/// `hl_version`: `HistLogVersion.string` (static storage, never NULL).
@_cdecl("hl_version")
public func hl_version() -> UnsafePointer<CChar> {
    UnsafeRawPointer(HistLogVersion.string.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// `hl_version_number`: `HistLogVersion.number`.
@_cdecl("hl_version_number")
public func hl_version_number() -> UInt32 {
    UInt32(HistLogVersion.number)
}
