/// An example binary the tests run is not built.
struct ExampleBinaryMissing: Error, CustomStringConvertible {
    let name: String
    let searched: [String]
    var description: String {
        "\(name) is not built. Run `swift build --product \(name)` (with the same --scratch-path and traits "
            + "as the tests) first. Looked in:\n  " + searched.joined(separator: "\n  ")
    }
}
