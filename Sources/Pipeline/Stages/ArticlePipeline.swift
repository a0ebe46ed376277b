/// The pure pipeline for one file: decode → parse → normalize → fingerprint → tag.
/// No database, no clock, no file system: bytes in, an article or a reason out.
public struct ArticlePipeline: Sendable {
    public var taxonomy: Taxonomy
    /// The learned tagger, when one was trained; its tags are given at `threshold` or above.
    public var model: TagModel?
    public var threshold: Double

    public init(taxonomy: Taxonomy = .builtIn, model: TagModel? = nil, threshold: Double = TagModel.defaultThreshold) {
        self.taxonomy = taxonomy
        self.model = model
        self.threshold = threshold
    }

    public func process(_ file: SourceFile, folderTags: [String] = []) -> Result<ExtractedArticle, PipelineError> {
        Result { () throws(PipelineError) -> ExtractedArticle in
            let decoded = try TextDecoding.decode(file.bytes)
            let article = try PlainTextParser.parse(decoded.text)
            let normalized = Normalizer.normalize(article.body)
            guard !normalized.isEmpty else { throw .noBody }
            return ExtractedArticle(
                article: article,
                normalizedBody: normalized,
                bodyHash: Digest.sha256(normalized),
                tags: Tagger.tag(article, taxonomy: taxonomy, folderTags: folderTags, model: model, threshold: threshold),
                wordCount: normalized.split(separator: " ").count,
                encoding: decoded.encoding
            )
        }
    }
}
