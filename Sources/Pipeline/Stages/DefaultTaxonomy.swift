/// The taxonomy that ships with corpusd (`Sources/Pipeline/Resources/taxonomy.yaml`, built into the
/// binary), in force when no taxonomy file is installed.
extension Taxonomy {
    /// The text of the default taxonomy file, comments and all.
    public static var defaultFileText: String { String(decoding: PackageResources.taxonomy_yaml, as: UTF8.self) }

    /// The default taxonomy. A test parses the shipped file, so the empty fallback is never reached by a build
    /// that passed its tests.
    public static let builtIn: Taxonomy = (try? TaxonomyFile.parse(defaultFileText, source: "built-in taxonomy")) ?? .empty
}
