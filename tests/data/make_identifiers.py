"""Build the identifier-lookup evaluation set (BEIR layout) from the shared corpora.

Each query is one identifier that occurs in exactly one document of python-faq + manpages
together (whole-token, compared case-insensitively, title and text): a constant or a
snake_case / CamelCase / digit-bearing name (`O_NONBLOCK`, `st_blksize`, `PyObject_GetAttr`),
or a plain lowercase word that the document writes as a call (`mkfifoat(`), whose shape says
nothing. At most one query per document; which ones is decided by a hash of the identifier, so
the set is the same on every run. The corpus is all of python-faq and the manpages that hold a
query plus as many again as distractors (also chosen by hash), pages under 40,000 characters.

    python tests/data/make_identifiers.py /work/shared/eval tests/data/identifiers
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

TOKEN = re.compile(r"(?<![\w.-])[A-Za-z_][A-Za-z0-9_]*(?![\w-])")
PER_CORPUS = {"python-faq": 60, "manpages": 180}
MAX_CHARS = 40_000


def shaped(token: str) -> bool:
    """Identifier-shaped: an inner underscore, a digit, an inner capital, or all capitals."""
    core = token.strip("_")
    return len(core) >= 4 and (
        "_" in core
        or (any(c.isdigit() for c in core) and any(c.isalpha() for c in core))
        or re.search(r"[a-z][A-Z]", core) is not None
        or (core.isupper() and len(core) >= 5)
    )


def key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def load(folder: Path) -> list[dict]:
    with open(folder / "corpus.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main(shared: Path, out: Path) -> None:
    corpora = {name: load(shared / name) for name in PER_CORPUS}
    owners: dict[str, set[str]] = defaultdict(set)
    calls: dict[str, set[str]] = defaultdict(set)
    for name, docs in corpora.items():
        for doc in docs:
            text = f"{doc['title']}\n{doc['text']}"
            for found in TOKEN.finditer(text):
                owners[found.group().lower()].add(f"{name}/{doc['_id']}")
                if text[found.end() : found.end() + 1] == "(":
                    calls[f"{name}/{doc['_id']}"].add(found.group())
    candidates: dict[str, list[tuple[str, str]]] = defaultdict(list)  # doc -> [(token, kind)]
    for name, docs in corpora.items():
        for doc in docs:
            ident = f"{name}/{doc['_id']}"
            text = f"{doc['title']}\n{doc['text']}"
            seen = set()
            for token in TOKEN.findall(text):
                low = token.lower()
                if low in seen or owners[low] != {ident}:
                    continue
                seen.add(low)
                if shaped(token):
                    candidates[ident].append((token, "shaped"))
                elif token in calls[ident] and token.islower() and len(token) >= 6:
                    candidates[ident].append((token, "call"))
    queries: list[tuple[str, str, str]] = []  # (token, doc, kind)
    for name, limit in PER_CORPUS.items():
        docs = [d for d in corpora[name] if len(d["text"]) < MAX_CHARS]
        picks = []
        for doc in docs:
            ident = f"{name}/{doc['_id']}"
            if candidates[ident]:
                token, kind = min(candidates[ident], key=lambda c: key(c[0]))
                picks.append((key(ident), token, ident, kind))
        queries += [(t, i, k) for _, t, i, k in sorted(picks)[:limit]]
    targets = {doc for _, doc, _ in queries}
    manpages = [d for d in corpora["manpages"] if len(d["text"]) < MAX_CHARS]
    others = sorted(
        (d for d in manpages if f"manpages/{d['_id']}" not in targets), key=lambda d: key(d["_id"])
    )
    wanted = sum(1 for t in targets if t.startswith("manpages/"))
    keep = {f"manpages/{d['_id']}" for d in others[:wanted]} | targets
    out.mkdir(parents=True, exist_ok=True)
    (out / "qrels").mkdir(exist_ok=True)
    with open(out / "corpus.jsonl", "w", encoding="utf-8") as handle:
        for name, docs in corpora.items():
            for doc in docs:
                ident = f"{name}/{doc['_id']}"
                if name == "python-faq" or ident in keep:
                    row = {"_id": ident, "title": doc["title"], "text": doc["text"]}
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(out / "queries.jsonl", "w", encoding="utf-8") as handle:
        for n, (token, _, kind) in enumerate(queries):
            handle.write(json.dumps({"_id": f"q{n:03d}", "text": token, "kind": kind}) + "\n")
    with open(out / "qrels" / "test.tsv", "w", encoding="utf-8") as handle:
        handle.write("query-id\tcorpus-id\tscore\n")
        for n, (_, doc, _) in enumerate(queries):
            handle.write(f"q{n:03d}\t{doc}\t1\n")
    kinds = defaultdict(int)
    for _, doc, kind in queries:
        kinds[(doc.split("/")[0], kind)] += 1
    documents = sum(k.startswith("manpages/") for k in keep) + len(corpora["python-faq"])
    print(f"{len(queries)} queries, {documents} documents", dict(kinds))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
