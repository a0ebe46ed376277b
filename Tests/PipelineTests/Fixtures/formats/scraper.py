import json
from pathlib import Path

def load(path):
    with open(path) as handle:
        return json.load(handle)

class Scraper:
    def __init__(self, sources):
        self.sources = sources

    def run(self):
        for source in self.sources:
            print(source)
        return len(self.sources)
