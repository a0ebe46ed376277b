#!/usr/bin/env python3
"""Writes a synthetic news corpus for `make bench`: news-length plain-text pages with a known share of
exact copies, same-text copies (new page furniture around the same story) and near duplicates.

Document i is a pure function of (seed, i), so a corpus can be written in pieces (--start) and the
pieces agree. Files go into sub-folders of 1000 (gNNNN/dNNNNNNN.txt). A JSON manifest gives the counts.

Shares (of generated documents, by i): 4 % exact byte copies of an earlier document, 3 % the same
story under a different page header (same normalized body), 3 % near duplicates (an earlier story with
about 1 % of its words changed); the rest are new stories. The seeds are copied in as well.
"""
import argparse, json, os, random, sys

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
SHARES = (("exact", 4), ("same_text", 3), ("near", 3))


def kind_of(seed, i):
    r = random.Random(f"{seed}:kind:{i}").randrange(100) if i >= 20 else 99
    if r < 4: return "exact"
    if r < 7: return "same_text"
    if r < 10: return "near"
    return "new"


def source_of(seed, i):
    """The earlier document a copy repeats: always a new story, close behind (so copies meet their
    originals in any prefix of the corpus)."""
    rng = random.Random(f"{seed}:src:{i}")
    j = i - 1 - rng.randrange(min(i, 5000))
    while kind_of(seed, j) != "new":
        j -= 1
    return max(j, 0) if kind_of(seed, max(j, 0)) == "new" else 0


def sentence(rng, topic, i):
    t = rng.sample(topic, 2)
    opener = rng.choice(OPENERS).format(d=rng.choice(DAYS), p=rng.choice(PLACES))
    clause = rng.choice(CLAUSES).format(t0=t[0], t1=t[1], n=rng.randrange(2, 99), y=rng.randrange(2015, 2026),
                                        p=rng.choice(PLACES))
    return f"{opener} {rng.choice(ACTORS)} {rng.choice(VERBS)} {clause}.{rng.choice(TAILS)}"


def story(seed, i):
    """Title, byline, date and body paragraphs of new story i."""
    rng = random.Random(f"{seed}:story:{i}")
    topic = TOPICS[rng.randrange(len(TOPICS))] + TOPICS[rng.randrange(len(TOPICS))][:2]
    place = rng.choice(PLACES)
    title = f"{place} {rng.choice(['weighs', 'faces', 'debates', 'confronts', 'braces for'])} {rng.choice(topic)} " \
            f"as {rng.choice(ACTORS)} {rng.choice(['push', 'call', 'press'])} for change ({i})"
    author = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    date = f"{rng.choice(DAYS)}, {rng.randrange(1, 29)} {rng.choice(MONTHS)} {rng.randrange(2019, 2026)}"
    paragraphs = []
    for _ in range(rng.randrange(5, 11)):  # 5-10 paragraphs of 2-5 sentences: 300-800 words
        paragraphs.append(" ".join(sentence(rng, topic, i) for _ in range(rng.randrange(2, 6))))
    # A detail only this story has, so that new stories never share a body by chance.
    paragraphs[0] += f" The case, filed as number {i * 7919 % 1000003}-{i}, is being watched closely."
    return title, author, date, paragraphs


def page(seed, i, title, author, date, paragraphs, variant):
    rng = random.Random(f"{seed}:page:{i}:{variant}")
    outlet, host = OUTLETS[rng.randrange(len(OUTLETS))]
    head = [rng.choice(FURNITURE), f"Tags: {' | '.join(rng.sample(['world', 'politics', 'business', 'u.s.', 'china', 'health', 'science'], 2))}",
            "", title, "", f"By {author} | {date}", ""]
    foot = ["", rng.choice(FURNITURE), f"https://{host}/news/{i}", f"© {rng.randrange(2019, 2026)} {outlet}. All rights reserved."]
    return "\n".join(head + [p + "\n" for p in paragraphs] + foot) + "\n"


def near(seed, i, paragraphs):
    rng = random.Random(f"{seed}:near:{i}")
    words = "\n\n".join(paragraphs).split(" ")
    for _ in range(max(1, len(words) // 100)):
        k = rng.randrange(len(words))
        if "\n" not in words[k]:
            words[k] = rng.choice(["reportedly", "now", "again", "still", "also", "quickly", "formally"])
    return " ".join(words).split("\n\n")


def document(seed, i):
    kind = kind_of(seed, i)
    if kind == "new":
        return kind, page(seed, i, *story(seed, i), variant=0)
    j = source_of(seed, i)
    title, author, date, paragraphs = story(seed, j)
    if kind == "exact":
        return kind, page(seed, j, title, author, date, paragraphs, variant=0)
    if kind == "same_text":
        return kind, page(seed, i, title, author, date, paragraphs, variant=1)
    return kind, page(seed, i, title, author, date, near(seed, i, paragraphs), variant=1)


def path_of(i):
    return os.path.join(f"g{i // 1000:04d}", f"d{i:07d}.txt")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--seed", default="corpusd-bench")
    ap.add_argument("--seeds-dir", help="copy these sample files in as well (only with --start 0)")
    ap.add_argument("--manifest", help="write the counts here as JSON")
    ap.add_argument("--staging", help="write each folder of 1000 here first, then rename it into --out "
                                      "(a writer that drops whole folders into a live inbox)")
    ap.add_argument("--throttle-file", help="before each folder, wait while this file holds a number above --max-backlog")
    ap.add_argument("--max-backlog", type=int, default=20000)
    args = ap.parse_args()
    counts = {"exact": 0, "same_text": 0, "near": 0, "new": 0, "seeds": 0, "bytes": 0}
    os.makedirs(args.out, exist_ok=True)
    end = args.start + args.count
    folder = None
    for i in range(args.start, end):
        if i % 1000 == 0 or folder is None:
            if folder is not None and args.staging:
                os.rename(folder, os.path.join(args.out, os.path.basename(folder)))
            base = args.staging or args.out
            folder = os.path.join(base, f"g{i // 1000:04d}")
            os.makedirs(folder, exist_ok=True)
        kind, text = document(args.seed, i)
        data = text.encode()
        with open(os.path.join(folder, f"d{i:07d}.txt"), "wb") as f:
            f.write(data)
        counts[kind] += 1
        counts["bytes"] += len(data)
    if folder is not None and args.staging:
        os.rename(folder, os.path.join(args.out, os.path.basename(folder)))
    if args.seeds_dir and args.start == 0:
        for name in sorted(os.listdir(args.seeds_dir)):
            with open(os.path.join(args.seeds_dir, name), "rb") as src, open(os.path.join(args.out, name), "wb") as dst:
                data = src.read()
                dst.write(data)
            counts["seeds"] += 1
            counts["bytes"] += len(data)
    counts["files"] = args.count + counts["seeds"]
    if args.manifest:
        with open(args.manifest, "w") as f:
            json.dump(counts, f, indent=1)
    json.dump(counts, sys.stdout)
    print()


if __name__ == "__main__":
    main()
