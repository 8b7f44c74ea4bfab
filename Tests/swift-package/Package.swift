// swift-tools-version:6.0
// A Swift package that depends on histlog by path, as a Swift user's would; `make test` builds and runs it.
import PackageDescription

let package = Package(
    name: "Trainer",
    dependencies: [
        .package(name: "histlog", path: "../.."),
    ],
    targets: [
        .executableTarget(name: "Trainer", dependencies: [.product(name: "HistLog", package: "histlog")]),
    ]
)
