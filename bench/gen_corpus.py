#!/usr/bin/env python3
"""Writes a synthetic news corpus for `make bench`, fast enough for a million documents: news-length
articles with a known share of exact copies, same-text copies (new page furniture or another outlet
around the same story) and near duplicates.

Two shapes of the same documents:
- `--format files`: one plain-text page per document (page furniture, a tags line, a title, a byline with
  a date, the story, a URL and a copyright line), in sub-folders of 1000 (gNNNN/dNNNNNNN.txt);
- `--format jsonl`: JSON Lines dumps of `--per-file` articles each (dNNNNNNN.jsonl, named by their first
  document), one object per line with title, author, published, source, url, tags and content — the way
  news dumps arrive; corpusd ingests each line as its own item.

Document i is a pure function of (seed, i): a corpus can be written in pieces (--start), in parallel
(--jobs), and the pieces agree. Stories are built from a pool of sentences made once per seed (per topic,
POOL_SIZE each) and drawn with a per-document generator; every new story also carries a reference of its
own (`ref{i}`), so no two new stories share a body, and a search for one reference finds one story.

Shares (of generated documents, by i): 4 % exact copies of an earlier document (the same bytes; as a JSON
line the same line), 3 % the same story under another page or outlet (same normalized body), 3 % near
duplicates (an earlier story with about 1 % of its words changed); the rest are new stories. A copy's
original is a new story at most 5000 documents earlier, so copies meet their originals in any prefix.
Prints a JSON manifest of the counts (and writes it to --manifest).
"""
import argparse, hashlib, json, os, random, sys

FIRST = ["James", "Maria", "Wei", "Olena", "Ahmed", "Sofia", "Daniel", "Aiko", "Carlos", "Fatima", "Peter",
         "Ingrid", "Kwame", "Lucia", "Rahul", "Hannah", "Dmitri", "Grace", "Tomas", "Amara"]
LAST = ["Smith", "Garcia", "Zhang", "Kovalenko", "Hassan", "Rossi", "Miller", "Tanaka", "Lopez", "Okafor",
        "Novak", "Larsen", "Mensah", "Silva", "Patel", "Becker", "Ivanov", "Kim", "Dvorak", "Nwosu"]
OUTLETS = [("Reuters", "reuters.com"), ("The Daily Ledger", "dailyledger.example"), ("Metro Herald", "metroherald.example"),
           ("Coastal Times", "coastaltimes.example"), ("Northern Post", "northernpost.example"),
           ("Evening Courier", "eveningcourier.example"), ("Pacific Wire", "pacificwire.example")]
PLACES = ["Beijing", "Washington", "Mexico City", "Kyiv", "Moscow", "Taipei", "Shanghai", "Brussels", "Nairobi",
          "Sao Paulo", "Jakarta", "Berlin", "Lagos", "Toronto", "Mumbai", "Sydney", "Madrid", "Seoul", "Cairo", "Lima"]
TOPICS = [
    ["fentanyl", "overdoses", "drug cartels", "counternarcotics", "law enforcement", "precursor chemicals", "opioids"],
    ["inflation", "interest rates", "the central bank", "unemployment", "the stock market", "economic growth", "GDP"],
    ["the election", "voters", "the campaign", "the ballot", "polls", "the candidate", "turnout"],
    ["climate", "emissions", "carbon", "renewable energy", "pollution", "global warming", "the grid"],
    ["semiconductors", "software", "artificial intelligence", "chips", "the internet", "cyber attacks", "smartphone makers"],
    ["the hospital", "patients", "the vaccine", "public health", "the virus", "disease", "health workers"],
    ["the tournament", "the league", "the championship", "the match", "football", "tennis", "the Olympics"],
    ["talks", "the summit", "diplomats", "the delegation", "the embassy", "the ambassador", "bilateral ties"],
    ["police", "prosecutors", "the court", "crime", "the Justice Department", "those charged", "the sentence"],
]
ACTORS = ["officials", "the ministry", "analysts", "residents", "lawmakers", "the government", "regulators",
          "investors", "union leaders", "local authorities", "researchers", "business groups", "Chinese officials",
          "American officials", "the White House", "the Kremlin", "Ukrainian officials", "Mexican authorities",
          "Taiwanese leaders", "the Pentagon", "Congress", "a senior diplomat", "the mayor", "industry executives"]
VERBS = ["said", "warned", "argued", "announced", "confirmed", "denied", "suggested", "estimated", "reported",
         "acknowledged", "insisted", "noted", "predicted", "expected"]
CLAUSES = [
    "that {t0} would remain a priority for the rest of the year",
    "that the new measures on {t0} had failed to reach those most affected",
    "that spending on {t0} rose by {n} per cent in the last quarter",
    "that more than {n},000 people had been affected by {t0} since {y}",
    "that talks over {t0} and {t1} would resume in {p} next month",
    "that the plan to address {t0} had been delayed until {y}",
    "that {t0} was linked to {t1} in ways that few had expected",
    "that a report on {t0} would be published after the review in {p}",
    "that funding for {t1} was cut while {t0} kept growing",
    "that {n} new cases involving {t0} were recorded in {p} alone",
]
OPENERS = ["On {d},", "Earlier this week,", "In {p},", "Speaking to reporters,", "In a statement,", "Meanwhile,",
           "According to figures released on {d},", "For now,", "Late on {d},", "Across the region,"]
TAILS = ["", " The figures could not be independently verified.", " Critics called the move overdue.",
         " Markets reacted calmly to the news.", " Opposition leaders demanded a full inquiry.",
         " The statement gave no further details.", " Similar steps were taken last year."]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
FURNITURE = ["Advertisement", "Skip to main content", "Sign up for our newsletter", "Share this article",
             "Most read", "Subscribe now", "Listen to this article"]
SECTIONS = ["world", "politics", "business", "u.s.", "china", "health", "science"]
TITLE_VERBS = ["weighs", "faces", "debates", "confronts", "braces for"]
PUSH = ["push", "call", "press"]
SWAPS = ["reportedly", "now", "again", "still", "also", "quickly", "formally"]
# Sentences per topic in the pool: two same-topic stories share ~n²/POOL_SIZE of their ~26 sentences (~0.04),
# far below anything a near-duplicate detector could mistake for a copy.
POOL_BITS = 14
POOL_SIZE = 1 << POOL_BITS


def version():
    """The generator's identity for caches: a hash of this file (any change to it makes new corpora)."""
    with open(os.path.abspath(__file__), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]


class Corpus:
    """Document i of a seed, as a plain-text page or as a JSON line."""

    def __init__(self, seed="corpusd-bench", pool=True):
        """pool=False: only kind() and source(), without the cost of making the sentence pool."""
        self.seed = seed
        self.key = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
        rng = random.Random(f"{seed}:pool")
        self.pool = []
        if not pool:
            return
        for a in range(len(TOPICS)):
            sentences = []
            for _ in range(POOL_SIZE):
                topic = TOPICS[a] + TOPICS[rng.randrange(len(TOPICS))][:2]
                t = rng.sample(topic, 2)
                opener = rng.choice(OPENERS).format(d=rng.choice(DAYS), p=rng.choice(PLACES))
                clause = rng.choice(CLAUSES).format(t0=t[0], t1=t[1], n=rng.randrange(2, 99),
                                                    y=rng.randrange(2015, 2026), p=rng.choice(PLACES))
                sentences.append(f"{opener} {rng.choice(ACTORS)} {rng.choice(VERBS)} {clause}.{rng.choice(TAILS)}")
            self.pool.append(sentences)

    def rng(self, i, salt):
        return random.Random((self.key ^ (i * 0x9E3779B1)) * 8 + salt)

    def kind(self, i):
        if i < 20:
            return "new"
        r = int(self.rng(i, 1).random() * 100)
        return "exact" if r < 4 else "same_text" if r < 7 else "near" if r < 10 else "new"

    def source(self, i):
        """The earlier new story a copy repeats."""
        j = i - 1 - int(self.rng(i, 2).random() * min(i, 5000))
        while j > 0 and self.kind(j) != "new":
            j -= 1
        return max(j, 0)

    def story(self, i):
        """Title, author, date (y, m, d, weekday), body paragraphs and outlet of new story i."""
        r = self.rng(i, 3)
        rand = r.random
        a = int(rand() * len(TOPICS))
        topic = TOPICS[a]
        title = (f"{PLACES[int(rand() * 20)]} {TITLE_VERBS[int(rand() * 5)]} {topic[int(rand() * len(topic))]} "
                 f"as {ACTORS[int(rand() * len(ACTORS))]} {PUSH[int(rand() * 3)]} for change ({i})")
        author = f"{FIRST[int(rand() * 20)]} {LAST[int(rand() * 20)]}"
        date = (2019 + int(rand() * 7), 1 + int(rand() * 12), 1 + int(rand() * 28), DAYS[int(rand() * 7)])
        sizes = [2 + int(rand() * 4) for _ in range(5 + int(rand() * 6))]  # 5-10 paragraphs of 2-5 sentences
        pool, bits = self.pool[a], r.getrandbits
        sentences = [pool[bits(POOL_BITS)] for _ in range(sum(sizes))]
        paragraphs, at = [], 0
        for n in sizes:
            paragraphs.append(" ".join(sentences[at:at + n]))
            at += n
        # A detail only this story has: no two new stories share a body, and `ref{i}` is a rare search term.
        paragraphs[0] += f" The case, filed as ref{i:07d}, is being watched closely."
        return title, author, date, paragraphs, int(rand() * len(OUTLETS))

    def near(self, i, paragraphs):
        r = self.rng(i, 4)
        words = "\n\n".join(paragraphs).split(" ")
        for _ in range(max(1, len(words) // 100)):
            k = int(r.random() * len(words))
            if "\n" not in words[k]:
                words[k] = SWAPS[int(r.random() * len(SWAPS))]
        return " ".join(words).split("\n\n")

    def parts(self, i):
        """(kind, story fields, the index whose page furniture it wears, outlet)."""
        kind = self.kind(i)
        if kind == "new":
            title, author, date, paragraphs, outlet = self.story(i)
            return kind, (title, author, date, paragraphs), i, outlet
        j = self.source(i)
        title, author, date, paragraphs, outlet = self.story(j)
        if kind == "exact":
            return kind, (title, author, date, paragraphs), j, outlet
        if kind == "near":
            paragraphs = self.near(i, paragraphs)
        return kind, (title, author, date, paragraphs), i, int(self.rng(i, 5).random() * len(OUTLETS))

    def page(self, i):
        kind, (title, author, (y, m, d, wd), paragraphs), at, outlet = self.parts(i)
        r = self.rng(at, 6 if at == i and kind != "new" else 7)
        name, host = OUTLETS[outlet]
        sections = r.sample(SECTIONS, 2)
        head = [FURNITURE[int(r.random() * len(FURNITURE))], f"Tags: {' | '.join(sections)}", "", title, "",
                f"By {author} | {wd}, {d} {MONTHS[m - 1]} {y}", ""]
        foot = ["", FURNITURE[int(r.random() * len(FURNITURE))], f"https://{host}/news/{at}",
                f"© {2019 + int(r.random() * 7)} {name}. All rights reserved."]
        return kind, "\n".join(head + [p + "\n" for p in paragraphs] + foot) + "\n"

    def line(self, i):
        kind, (title, author, (y, m, d, _), paragraphs), at, outlet = self.parts(i)
        r = self.rng(at, 6 if at == i and kind != "new" else 7)
        name, host = OUTLETS[outlet]
        record = {"title": title, "author": author, "published": f"{y:04d}-{m:02d}-{d:02d}T{int(r.random() * 24):02d}:00:00Z",
                  "source": name, "url": f"https://{host}/news/{at}", "tags": r.sample(SECTIONS, 2),
                  "content": "\n\n".join(paragraphs)}
        return kind, json.dumps(record, ensure_ascii=False) + "\n"


def empty_counts():
    return {"exact": 0, "same_text": 0, "near": 0, "new": 0, "seeds": 0, "bytes": 0, "files": 0, "documents": 0}


def add_counts(total, part):
    for k, v in part.items():
        total[k] = total.get(k, 0) + v
    return total


def write_files(corpus, out, start, end):
    counts = empty_counts()
    folder = None
    for i in range(start, end):
        if folder is None or i % 1000 == 0:
            folder = os.path.join(out, f"g{i // 1000:04d}")
            os.makedirs(folder, exist_ok=True)
        kind, text = corpus.page(i)
        data = text.encode()
        with open(os.path.join(folder, f"d{i:07d}.txt"), "wb") as f:
            f.write(data)
        counts[kind] += 1
        counts["bytes"] += len(data)
    counts["files"] = counts["documents"] = end - start
    return counts


def write_dump(corpus, out, start, end):
    """One JSON Lines dump of documents [start, end), written under a hidden name and renamed when whole."""
    counts = empty_counts()
    final = os.path.join(out, f"d{start:07d}.jsonl")
    partial = os.path.join(out, f".d{start:07d}.jsonl.partial")
    lines = []
    for i in range(start, end):
        kind, text = corpus.line(i)
        counts[kind] += 1
        lines.append(text)
    data = "".join(lines).encode()
    with open(partial, "wb") as f:
        f.write(data)
    os.rename(partial, final)
    counts["bytes"] = len(data)
    counts["files"], counts["documents"] = 1, end - start
    return counts


_worker_corpus = None


def _dump_job(job):
    global _worker_corpus
    seed, out, start, end = job
    if _worker_corpus is None or _worker_corpus.seed != seed:
        _worker_corpus = Corpus(seed)
    return write_dump(_worker_corpus, out, start, end)


def generate(out, start, count, fmt="files", per_file=5000, jobs=1, seed="corpusd-bench", seeds_dir=None):
    """Writes documents [start, start + count) into out; returns the counts."""
    os.makedirs(out, exist_ok=True)
    end = start + count
    if fmt == "files":
        counts = write_files(Corpus(seed), out, start, end)
    else:
        pieces = [(seed, out, s, min(end, s + per_file)) for s in range(start, end, per_file)]
        counts = empty_counts()
        if jobs > 1 and len(pieces) > 1:
            import multiprocessing
            with multiprocessing.get_context("fork").Pool(jobs) as workers:
                for part in workers.imap_unordered(_dump_job, pieces):
                    add_counts(counts, part)
        else:
            for piece in pieces:
                add_counts(counts, _dump_job(piece))
    if seeds_dir and start == 0:
        for name in sorted(os.listdir(seeds_dir)):
            with open(os.path.join(seeds_dir, name), "rb") as src, open(os.path.join(out, name), "wb") as dst:
                data = src.read()
                dst.write(data)
            counts["seeds"] += 1
            counts["files"] += 1
            counts["documents"] += 1
            counts["bytes"] += len(data)
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--format", choices=("files", "jsonl"), default="files")
    ap.add_argument("--per-file", type=int, default=5000, help="articles per JSON Lines dump")
    ap.add_argument("--jobs", type=int, default=1, help="processes writing dumps in parallel (jsonl only)")
    ap.add_argument("--seed", default="corpusd-bench")
    ap.add_argument("--seeds-dir", help="copy these sample files in as well (only with --start 0)")
    ap.add_argument("--manifest", help="write the counts here as JSON")
    ap.add_argument("--version", action="store_true", help="print the generator's version (a hash of this file) and exit")
    if "--version" in sys.argv[1:]:
        print(version())
        return
    args = ap.parse_args()
    counts = generate(args.out, args.start, args.count, args.format, args.per_file, args.jobs, args.seed, args.seeds_dir)
    if args.manifest:
        with open(args.manifest, "w") as f:
            json.dump(counts, f, indent=1)
    json.dump(counts, sys.stdout)
    print()


if __name__ == "__main__":
    main()
