import Foundation

/// What one file yields: one article, or — for feeds, JSON lists and JSON Lines — one result per entry.
public enum Extraction: Sendable {
    case article(Result<ExtractedArticle, PipelineError>)
    case entries([Result<ExtractedArticle, PipelineError>])
}

/// The pure pipeline for one file: detect format → (gunzip) → decode → parse → normalize → fingerprint → tag.
/// No database, no clock, no file system: bytes in, an article (or one per entry) or a reason out.
public struct ArticlePipeline: Sendable {
    public var taxonomy: Taxonomy
    /// The learned tagger, when one was trained; its tags are given at `threshold` or above.
    public var model: TagModel?
    public var threshold: Double
    /// The most a compressed file may expand to; beyond it the file fails as too large (a gzip bomb).
    public var maxDecompressedSize: Int64
    /// Lines the corpus learned are each source's furniture (plain text): the store's `sourceFurniture()`.
    public var sourceFurniture = SourceFurniture()

    public init(
        taxonomy: Taxonomy = .builtIn, model: TagModel? = nil, threshold: Double = TagModel.defaultThreshold,
        maxDecompressedSize: Int64 = 16 << 20
    ) {
        self.taxonomy = taxonomy
        self.model = model
        self.threshold = threshold
        self.maxDecompressedSize = maxDecompressedSize
    }

    /// A file that holds one article. A file that lists several (a feed, a JSON list) is refused here:
    /// use `extract`, which gives each entry its own result.
    public func process(
        _ file: SourceFile, folderTags: [String] = [], knownBoilerplate: KnownBoilerplate = .none, sniffed: FormatDetection.Verdict? = nil
    ) -> Result<ExtractedArticle, PipelineError> {
        switch extract(file, folderTags: folderTags, knownBoilerplate: knownBoilerplate, sniffed: sniffed) {
        case .article(let result): return result
        case .entries(let entries) where entries.count == 1: return entries[0]
        case .entries(let entries): return .failure(.unsupportedFormat("\(entries.count) articles in one file"))
        }
    }

    /// `sniffed`: the format detection already made on this file's head, used when the head is still the same.
    public func extract(
        _ file: SourceFile, folderTags: [String] = [], knownBoilerplate: KnownBoilerplate = .none, sniffed: FormatDetection.Verdict? = nil
    ) -> Extraction {
        let detected: DetectedFormat
        let bytes: [UInt8]
        do throws(PipelineError) {
            if file.bytes.isEmpty { throw .empty }
            let head = file.bytes.prefix(FormatDetection.headSize)
            if let verdict = sniffed?.reused(name: file.name, head: head) {
                detected = try verdict.get()
            } else {
                detected = try FormatDetection.detect(name: file.name, head: head)
            }
            bytes = detected.gzip ? try Inflater.gunzip(file.bytes, limit: maxDecompressedSize) : file.bytes
        } catch {
            return .article(.failure(error))
        }
        let finish = { (parsed: Result<ParsedArticle, PipelineError>, encoding: TextEncodingUsed) in
            parsed.flatMap { complete($0, encoding: encoding, folderTags: folderTags) }
        }
        switch detected.format {
        case .plainText:
            return .article(Result { () throws(PipelineError) in
                let decoded = try TextDecoding.decode(bytes)
                var article = try PlainTextParser.parse(decoded.text, modified: file.modified, knownBoilerplate: knownBoilerplate)
                // The source is known only once the page is read: read it again without what the corpus has
                // learned is that source's furniture, when the body holds any.
                let furniture = sourceFurniture.lines(of: article.source)
                if !furniture.isEmpty, article.paragraphs.contains(where: { SourceFurniture.hash($0).map(furniture.contains) == true }) {
                    article = try PlainTextParser.parse(
                        decoded.text, modified: file.modified, knownBoilerplate: knownBoilerplate.adding(hashes: furniture))
                }
                return try complete(article, encoding: decoded.encoding, folderTags: folderTags).get()
            })
        case .html:
            return .article(Result { () throws(PipelineError) in
                let (article, encoding) = try HTMLReader.read(bytes, modified: file.modified, knownBoilerplate: knownBoilerplate)
                return try complete(article, encoding: encoding, folderTags: folderTags).get()
            })
        case .json:
            do throws(PipelineError) {
                switch try JSONArticles.read(bytes, modified: file.modified) {
                case .single(let object):
                    let parsed = Result { () throws(PipelineError) in try ArticleFields(object, relativeTo: file.modified).article() }
                    return .article(finish(parsed, .utf8))
                case .entries(let entries):
                    if entries.isEmpty { return .article(.failure(.noEntries)) }
                    return .entries(entries.map { finish($0, .utf8) })
                }
            } catch {
                return .article(.failure(error))
            }
        case .jsonLines:
            var entries: [Result<ExtractedArticle, PipelineError>] = []
            for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                guard let entry = jsonLine(line, modified: file.modified, folderTags: folderTags) else { continue }
                entries.append(entry)
            }
            return entries.isEmpty ? .article(.failure(.noEntries)) : .entries(entries)
        case .rss, .atom:
            do throws(PipelineError) {
                let entries = try FeedReader.entries(bytes, modified: file.modified)
                return .entries(entries.map { finish($0, .utf8) })
            } catch {
                return .article(.failure(error))
            }
        }
    }

    /// One line of a JSON Lines file → its article; nil for a blank line (which is no entry at all).
    public func jsonLine(_ line: ArraySlice<UInt8>, modified: Date?, folderTags: [String] = []) -> Result<ExtractedArticle, PipelineError>? {
        var line = line
        while let last = line.last, last == 0x0D || last == 0x20 || last == 0x09 { line = line.dropLast() }
        while let first = line.first, first == 0x20 || first == 0x09 || first == 0xEF || first == 0xBB || first == 0xBF { line = line.dropFirst() }
        if line.isEmpty { return nil }
        return Result { () throws(PipelineError) in
            let article = try JSONArticles.line(line, modified: modified)
            return try complete(article, encoding: .utf8, folderTags: folderTags).get()
        }
    }

    /// One entry of a streamed list or feed → its article, `known` being the furniture learned across the
    /// entries read with it (`ArticleFields.boilerplate(of:)`).
    func entry(_ fields: Result<ArticleFields, PipelineError>, known: KnownBoilerplate, folderTags: [String]) -> Result<ExtractedArticle, PipelineError> {
        fields.flatMap { fields in Result { () throws(PipelineError) in try fields.article(knownBoilerplate: known) } }
            .flatMap { complete($0, encoding: .utf8, folderTags: folderTags) }
    }

    /// Normalize, fingerprint and tag a parsed article.
    func complete(_ article: ParsedArticle, encoding: TextEncodingUsed, folderTags: [String]) -> Result<ExtractedArticle, PipelineError> {
        let article = article.removingNUL()
        let normalized = Normalizer.normalize(article.body)
        guard !normalized.isEmpty else { return .failure(.noBody) }
        return .success(ExtractedArticle(
            article: article,
            normalizedBody: normalized,
            bodyHash: Digest.sha256(normalized),
            tags: Tagger.tag(article, taxonomy: taxonomy, folderTags: folderTags, model: model, threshold: threshold),
            wordCount: Normalizer.wordCount(normalized),
            encoding: encoding
        ))
    }
}
