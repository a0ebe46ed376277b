import Foundation
import Yams

/// Why a taxonomy file was refused, with where in the file (1-based line and column; 0 when unknown).
public struct TaxonomyFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var source: String
    public var line: Int
    public var column: Int
    public var message: String

    public var description: String {
        line > 0 ? "\(source):\(line):\(column): \(message)" : "\(source): \(message)"
    }
}

/// Reads a taxonomy from the text of its YAML file. Pure: text in, taxonomy or a located error out.
///
///     defaults: { title_weight: 3, min_score: 3 }
///     tags:
///       china:                                # the canonical slug
///         name: China
///         aliases: [PRC, Chinese, Sino]       # declared tags and --tag arguments with these names mean china
///         keywords: [China, Beijing, Xi Jinping: 2]   # any case, word boundaries; `term: weight`
///         exact: [PRC]                        # this exact case
///         regex: ['Sino-\w+']                 # regular expressions (ICU syntax)
///         all: [[fentanyl, opioid], [China, Beijing]]  # every group needs a hit
///         any: [...]                          # at least one needs a hit
///         exclude: [fine china, china shop]   # hits inside these phrases do not count
///         veto: [porcelain]                   # any hit and the rule gives nothing
///         title_weight: 3                     # a hit in the title counts this many times
///         min_score: 3
public enum TaxonomyFile {
    public static func parse(_ text: String, source: String = "taxonomy") throws(TaxonomyFileError) -> Taxonomy {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw located(error, source: source)
        } catch {
            throw TaxonomyFileError(source: source, line: 0, column: 0, message: "\(error)")
        }
        var reader = Reader(source: source)
        return try reader.taxonomy(root)
    }

    private static func located(_ error: YamlError, source: String) -> TaxonomyFileError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let text = context.map { "\(problem) (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? problem
            return TaxonomyFileError(source: source, line: mark.line, column: mark.column, message: text)
        case .reader(let problem, let offset, _, _):
            return TaxonomyFileError(source: source, line: 0, column: 0,
                                     message: "\(problem)" + (offset.map { " at byte \($0)" } ?? ""))
        default:
            return TaxonomyFileError(source: source, line: 0, column: 0, message: "\(error)")
        }
    }

    private struct Reader {
        let source: String
        var titleWeight = 3.0
        var minScore = 3.0

        func fail(_ node: Node?, _ message: String) -> TaxonomyFileError {
            TaxonomyFileError(source: source, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, message: message)
        }

        func mapping(_ node: Node, _ what: String) throws(TaxonomyFileError) -> [(key: Node, value: Node)] {
            guard case .mapping(let mapping) = node else { throw fail(node, "\(what) must be a mapping (key: value)") }
            var seen: [String: Node] = [:]
            var pairs: [(key: Node, value: Node)] = []
            for (key, value) in mapping {
                guard let name = key.string else { throw fail(key, "\(what): keys must be plain names") }
                if seen[name] != nil { throw fail(key, "\(what): '\(name)' appears twice") }
                seen[name] = key
                pairs.append((key, value))
            }
            return pairs
        }

        func string(_ node: Node, _ what: String) throws(TaxonomyFileError) -> String {
            guard case .scalar(let scalar) = node else { throw fail(node, "\(what) must be a single value") }
            let value = scalar.string.trimmingCharacters(in: .whitespaces)
            if value.isEmpty { throw fail(node, "\(what) is empty") }
            return value
        }

        func number(_ node: Node, _ what: String) throws(TaxonomyFileError) -> Double {
            guard case .scalar(let scalar) = node, let value = Double(scalar.string), value.isFinite, value >= 0 else {
                throw fail(node, "\(what) must be a number ≥ 0")
            }
            return value
        }

        func list(_ node: Node, _ what: String) throws(TaxonomyFileError) -> [Node] {
            switch node {
            case .sequence(let sequence): return Array(sequence)
            case .scalar: return [node]
            default: throw fail(node, "\(what) must be a list")
            }
        }

        mutating func taxonomy(_ root: Node?) throws(TaxonomyFileError) -> Taxonomy {
            guard let root else { throw fail(nil, "the file is empty: it needs a 'tags:' mapping") }
            var tagsNode: Node?
            for (key, value) in try mapping(root, "the file") {
                switch key.string {
                case "version":
                    guard value.int == 1 else { throw fail(value, "unsupported version; this corpusd reads version 1") }
                case "defaults":
                    for (k, v) in try mapping(value, "defaults") {
                        switch k.string {
                        case "title_weight": titleWeight = try number(v, "defaults.title_weight")
                        case "min_score": minScore = try number(v, "defaults.min_score")
                        default: throw fail(k, "unknown key '\(k.string ?? "")' in defaults (known: title_weight, min_score)")
                        }
                    }
                case "tags": tagsNode = value
                default: throw fail(key, "unknown key '\(key.string ?? "")' (known: version, defaults, tags)")
                }
            }
            guard let tagsNode else { throw fail(root, "the file has no 'tags:' mapping") }
            var definitions: [TagDefinition] = []
            var owner: [String: (slug: String, node: Node)] = [:]
            for (key, value) in try mapping(tagsNode, "tags") {
                let definition = try tag(key: key, value: value)
                for (name, node) in [(definition.slug, key)] + zip(definition.aliases, aliasNodes(value)).map({ ($0, $1) }) {
                    let aliasSlug = Slug.make(name)
                    if let previous = owner[aliasSlug], previous.slug != definition.slug {
                        let line = previous.node.mark.map { " (line \($0.line))" } ?? ""
                        throw fail(node, "'\(name)' already names tag '\(previous.slug)'\(line); a name can mean one tag only")
                    }
                    owner[aliasSlug] = (definition.slug, node)
                }
                definitions.append(definition)
            }
            return Taxonomy(definitions)
        }

        func aliasNodes(_ value: Node) -> [Node] {
            guard case .mapping(let mapping) = value, let node = mapping["aliases"] else { return [] }
            if case .sequence(let sequence) = node { return Array(sequence) }
            return [node]
        }

        func tag(key: Node, value: Node) throws(TaxonomyFileError) -> TagDefinition {
            let slug = try string(key, "a tag's slug")
            guard Slug.make(slug) == slug else {
                throw fail(key, "'\(slug)' is not a slug: write it as '\(Slug.make(slug))' (lowercase, digits, hyphens)")
            }
            var name = slug
            var aliases: [String] = []
            var rule = TagRule(titleWeight: titleWeight, minScore: minScore)
            for (k, v) in try mapping(value, "tag '\(slug)'") {
                let field = k.string ?? ""
                let what = "\(slug).\(field)"
                switch field {
                case "name": name = try string(v, what)
                case "aliases":
                    for node in try list(v, what) {
                        let alias = try string(node, "an alias of \(slug)")
                        if Slug.make(alias).isEmpty { throw fail(node, "alias '\(alias)' has no letters or digits") }
                        aliases.append(alias)
                    }
                case "keywords": rule.keywords += try terms(v, what, make: { t, w in TagTerm.keyword(t, weight: w) })
                case "exact": rule.keywords += try terms(v, what, make: { t, w in TagTerm.exact(t, weight: w) })
                case "regex": rule.keywords += try terms(v, what, make: { t, w in try TagTerm.regex(t, weight: w) })
                case "all":
                    for group in try list(v, what) {
                        rule.all.append(try terms(group, what, make: { t, w in TagTerm.keyword(t, weight: w) }))
                    }
                case "any": rule.any += try terms(v, what, make: { t, w in TagTerm.keyword(t, weight: w) })
                case "exclude": rule.exclude += try terms(v, what, make: { t, w in TagTerm.keyword(t, weight: w) })
                case "veto": rule.veto += try terms(v, what, make: { t, w in TagTerm.keyword(t, weight: w) })
                case "title_weight": rule.titleWeight = try number(v, what)
                case "min_score": rule.minScore = try number(v, what)
                default:
                    throw fail(k, "unknown key '\(field)' in tag '\(slug)' (known: name, aliases, keywords, exact, regex, "
                        + "all, any, exclude, veto, title_weight, min_score)")
                }
            }
            return TagDefinition(slug: slug, name: name, aliases: aliases, rule: rule)
        }

        /// A list of terms; each is `text` or `text: weight`.
        func terms(_ node: Node, _ what: String, make: (String, Double) throws -> TagTerm) throws(TaxonomyFileError) -> [TagTerm] {
            var out: [TagTerm] = []
            for item in try list(node, what) {
                var text: String
                var weight = 1.0
                var at = item
                if case .mapping = item {
                    let pairs = try mapping(item, what)
                    guard pairs.count == 1 else { throw fail(item, "\(what): write a weighted term as 'term: weight'") }
                    text = try string(pairs[0].key, what)
                    weight = try number(pairs[0].value, "the weight of '\(text)'")
                    at = pairs[0].key
                } else {
                    text = try string(item, what)
                }
                let term: TagTerm
                do {
                    term = try make(text, weight)
                } catch let refused as UnsafePattern {
                    throw fail(at, "\(what): '\(text)' \(refused.reason)")
                } catch {
                    throw fail(at, "\(what): '\(text)' is not a valid regular expression")
                }
                if case .words(let words) = term.match, words.isEmpty { throw fail(at, "\(what): '\(text)' has no words") }
                if case .exactWords(let words) = term.match, words.isEmpty { throw fail(at, "\(what): '\(text)' has no words") }
                out.append(term)
            }
            return out
        }
    }
}
