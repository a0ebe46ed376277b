import Foundation

/// Publisher names known by their web domains and by product names that only they print.
/// This is data, not logic: a page from a publisher not listed here gets its source from
/// a `Source:` line, its URL's host, or its copyright line instead.
public enum Publishers {
    static let byDomain: [String: String] = [
        "apnews.com": "Associated Press", "reuters.com": "Reuters", "bbc.co.uk": "BBC", "bbc.com": "BBC",
        "nytimes.com": "The New York Times", "washingtonpost.com": "The Washington Post",
        "theguardian.com": "The Guardian", "wsj.com": "The Wall Street Journal", "ft.com": "Financial Times",
        "cnn.com": "CNN", "foxnews.com": "Fox News", "nbcnews.com": "NBC News", "cbsnews.com": "CBS News",
        "abcnews.go.com": "ABC News", "npr.org": "NPR", "politico.com": "Politico", "axios.com": "Axios",
        "bloomberg.com": "Bloomberg", "aljazeera.com": "Al Jazeera", "scmp.com": "South China Morning Post",
        "newsmax.com": "Newsmax", "dw.com": "Deutsche Welle", "france24.com": "France 24",
        "economist.com": "The Economist", "latimes.com": "Los Angeles Times", "usatoday.com": "USA Today",
        "thehill.com": "The Hill", "xinhuanet.com": "Xinhua", "globaltimes.cn": "Global Times",
        "japantimes.co.jp": "The Japan Times", "straitstimes.com": "The Straits Times",
        "theatlantic.com": "The Atlantic", "time.com": "Time", "independent.co.uk": "The Independent",
        "telegraph.co.uk": "The Telegraph", "lemonde.fr": "Le Monde", "spiegel.de": "Der Spiegel",
    ]

    /// Product names printed in page furniture that identify the publisher, matched as whole words.
    static let byMarker: [(marker: String, name: String)] = [
        ("myNEWS", "South China Morning Post"), ("SCMP", "South China Morning Post"),
        ("Newsmax", "Newsmax"), ("Reuters", "Reuters"),
    ]

    /// The publisher for a URL: a known domain's name, else the bare host.
    public static func name(forURL url: String) -> String? {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        let host = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" && $0 != ":" }).lowercased()
        guard !host.isEmpty, host.contains(".") else { return nil }
        let bare = host.hasPrefix("www.") ? String(host.dropFirst(4)) : host
        var labels = bare.split(separator: ".")
        while labels.count >= 2 {
            if let known = byDomain[labels.joined(separator: ".")] { return known }
            labels.removeFirst()
        }
        return bare
    }

    /// The first publisher whose marker stands as a whole word in the page's furniture lines.
    static func name<S: Sequence<String>>(markedIn lines: S) -> String? {
        for line in lines where line.count < 120 {
            let words = Set(line.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init))
            for (marker, name) in byMarker where words.contains(marker) { return name }
        }
        return nil
    }
}
