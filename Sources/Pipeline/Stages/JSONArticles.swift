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
        ArticleFields.articles(list.map { element in
            guard let object = element as? [String: Any] else { return .failure(.unsupportedFormat("a list entry that is not a JSON object")) }
            return .success(ArticleFields(object, relativeTo: modified))
        })
    }

    /// One entry cut from a list by `JSONListSplitter` → its fields, or why it cannot be an article.
    static func fields(_ content: JSONListSplitter.Content, modified: Date?) -> Result<ArticleFields, PipelineError> {
        switch content {
        case .tooLarge(let size): return .failure(.corrupt("JSON: an entry of \(size) bytes, over the limit for one entry"))
        case .truncated: return .failure(.corrupt("JSON: the file ends inside this entry (truncated)"))
        case .bytes(let bytes):
            // A list written in Latin-1 is read as browsers would read it; JSON itself must be Unicode.
            let utf8 = String(validating: bytes, as: UTF8.self) != nil ? bytes : Array(TextDecoding.windows1252(bytes).utf8)
            let json: Any
            do {
                json = try JSONSerialization.jsonObject(with: Data(utf8), options: [.fragmentsAllowed])
            } catch {
                return .failure(.corrupt("JSON: not valid JSON"))
            }
            guard let object = json as? [String: Any] else { return .failure(.unsupportedFormat("a list entry that is not a JSON object")) }
            return .success(ArticleFields(object, relativeTo: modified))
        }
    }

    /// A JSON document held whole: one article, or the articles of its list (each its own result). A list
    /// cut short gives the entries before the break, the cut one failed.
    static func read(_ bytes: [UInt8], modified: Date?) throws(PipelineError) -> Shape2 {
        var splitter = JSONListSplitter(maxEntry: Int.max)
        var entries: [Result<ArticleFields, PipelineError>] = []
        var whole: [UInt8]?
        let emit = { (event: JSONListSplitter.Event) in
            switch event {
            case .entry(_, let content): entries.append(fields(content, modified: modified))
            case .whole(let document): whole = document
            }
        }
        do {
            try splitter.feed(bytes[...], emit)
            try splitter.finish(emit)
        } catch {
            if entries.isEmpty { throw error }
        }
        if let whole {
            switch try shape(whole) {
            case .single(let object): return .single(object)
            case .list(let list): return .entries(self.entries(list, modified: modified))
            }
        }
        if entries.isEmpty { throw .noEntries }
        return .entries(ArticleFields.articles(entries))
    }

    enum Shape2 {
        case single([String: Any])
        case entries([Result<ParsedArticle, PipelineError>])
    }
}
