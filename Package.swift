// swift-tools-version:6.0
import PackageDescription
import Foundation

// The directory holding this manifest: the linker's version script is referenced by absolute path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path

let package = Package(
    name: "histlog",
    products: [
        // MARK: - Public API
        /// The engine, for Swift users: `import HistLog`. No unsafe flags, so any package can depend on it.
        .library(name: "HistLog", targets: ["HistLog"]),
        /// `libhistlog.so`: the C ABI declared in `Include/histlog.h`, Swift runtime linked in statically.
        .library(name: "histlog", type: .dynamic, targets: ["HistLogCABI"]),
    ],
    targets: [
        // MARK: - Public API
        .target(
            name: "HistLog", path: "Sources/HistLog",
            // Generators, and the report's script and stylesheet, which go in as a generated Swift
            // source: one that any build of these files sees (the fuzzer's plain swiftc among them),
            // and no Foundation `Bundle` as bundled resources would need.
            exclude: [
                "Statistics/make_kernels.py", "Formats/MLflowJSON/make_powers_of_five.py",
                "Report/make_report_assets.py", "Report/report.js", "Report/report.css",
            ] + ["", "Concurrency/", "Binning/", "Statistics/", "Formats/", "Logging/", "Diagnostics/", "Report/"]
                .map { $0 + "README.md" }),

        // MARK: - Implementation details
        /// The public header as a Clang module, so the C exports share the header's struct layouts.
        .target(name: "CHistLog", path: "Sources/CHistLog", exclude: ["README.md"]),
        /// Pins the version of a glibc symbol the static Swift runtime imports (see hypotf.c).
        .target(name: "CGlibcCompat", path: "Sources/CGlibcCompat", exclude: ["README.md"], publicHeadersPath: "."),
        /// C exports only: translate C types and errors, call `HistLog`.
        .target(
            name: "HistLogCABI",
            dependencies: ["HistLog", "CHistLog", "CGlibcCompat"],
            path: "Sources/HistLogCABI",
            exclude: ["exports.map", "README.md"],
            linkerSettings: [
                .unsafeFlags([
                    "-static-stdlib",
                    "-Xlinker", "--version-script=\(packageRoot)/Sources/HistLogCABI/exports.map",
                ])
            ]
        ),
        /// Benchmarks: not API, nothing in the library imports it.
        .executableTarget(
            name: "histlog-bench", dependencies: ["HistLog"], path: "Sources/histlog-bench", exclude: ["README.md"]),
        /// Crash and multi-process test support: logs and reports what is durable. Not API.
        .executableTarget(
            name: "histlog-stress", dependencies: ["HistLog"], path: "Sources/histlog-stress", exclude: ["README.md"]),

        // MARK: - Unit test bundles
        .testTarget(
            name: "HistLogTests", dependencies: ["HistLog", "histlog-stress"], path: "Tests/HistLogTests",
            exclude: ["Support/read_tensorboard.py", "Fixtures/make_fixtures.py"]),
    ]
)

// The Python sdist (bindings/python/setup.py) carries only the folders libhistlog.so is built
// from: in such a tree the targets whose folder is absent (benchmarks, tests) are left out.
package.targets.removeAll { target in
    target.path.map { !FileManager.default.fileExists(atPath: "\(packageRoot)/\($0)") } ?? false
}
