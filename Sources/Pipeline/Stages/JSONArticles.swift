import Foundation

/// JSON from news APIs and crawlers. One article object; a list of them; or a wrapper object that
/// holds the list (`articles`, `items`, `results`, `data`, `response.docs` …). JSON Lines: one object a line.
public enum JSONArticles {
    public enum Shape {
        case single([String: Any])
        case list([Any])
    }

    public static func shape(_ bytes: [UInt8]) throws(PipelineError) -> Shape {
        let decoded = try TextDecoding.decode(bytes)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(decoded.text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw .corrupt("JSON: not valid JSON")
        }
        if let list = json as? [Any] { return .list(list) }
        guard let object = json as? [String: Any] else { throw .unsupportedFormat("JSON that holds neither an object nor a list") }
        if isArticle(object) { return .single(object) }
        if let list = articleList(in: object, depth: 0) { return .list(list) }
        throw .unsupportedFormat("JSON object with no article fields and no list of articles")
    }

    /// Whether `object` names a title and a body (or summary) under any of the common keys.
    static func isArticle(_ object: [String: Any]) -> Bool {
        let inner = (object["_source"] as? [String: Any]) ?? object
        let keys = Set(inner.keys).union((inner["fields"] as? [String: Any])?.keys.map { $0 } ?? [])
        let hasTitle = ArticleFields.titleKeys.contains(where: keys.contains)
        let hasText = (ArticleFields.bodyKeys + ArticleFields.summaryKeys).contains(where: keys.contains)
        return hasTitle && hasText
    }

    private static let listKeys = ["articles", "items", "results", "data", "entries", "posts", "stories", "docs", "hits", "news", "documents", "response"]

    private static func articleList(in object: [String: Any], depth: Int) -> [Any]? {
        guard depth < 3 else { return nil }
        for key in listKeys {
            if let list = object[key] as? [Any], list.contains(where: { ($0 as? [String: Any]).map(isArticle) ?? false }) {
                return list
            }
            if let inner = object[key] as? [String: Any], let list = articleList(in: inner, depth: depth + 1) { return list }
        }
        return nil
    }

    /// One JSON Lines line (without its newline) → the article it holds.
    public static func line(_ bytes: ArraySlice<UInt8>, modified: Date?) throws(PipelineError) -> ParsedArticle {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            throw .corrupt("JSON: not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw .unsupportedFormat("a JSON line that is not an object") }
        return try ArticleFields(object, relativeTo: modified).article()
    }

    /// The entries of a list, each its own result; lines every entry repeats are dropped as furniture.
    static func entries(_ list: [Any], modified: Date?) -> [Result<ParsedArticle, PipelineError>] {
        let fields = list.map { ($0 as? [String: Any]).map { ArticleFields($0, relativeTo: modified) } }
        let known = KnownBoilerplate.learn(from: fields.compactMap { $0 }.map { ArticleFields.paragraphs($0.body ?? $0.summary ?? "") })
        return fields.map { entry in
            guard let entry else { return .failure(.unsupportedFormat("a list entry that is not a JSON object")) }
            return Result { () throws(PipelineError) in try entry.article(knownBoilerplate: known) }
        }
    }
}
