"""What `ponder COMMAND --help` says: each command's purpose, its arguments, what it prints.

Kept apart from the parser so the words can be read (and reviewed) as a user's page.
"""

from __future__ import annotations

INDEX = {
    "help": "add files or folders (recursively) to the library",
    "description": "Add files or folders to the library, or bring them up to date: only new or "
    "changed files are read and embedded. Creates the library if there is none.",
    "epilog": """prints:
  one summary line: indexed N, unchanged N, moved N, removed N, skipped N, failed N
  then the skipped and failed files counted by reason (e.g. "skipped 12: unsupported file
  type (10); empty (2)"), and each problem file with its reason (the first 50; all of them
  in `ponder status`). Progress goes to stderr (-q: none), "loading the model…" first.

Ctrl-C stops the run; the files not reached stay pending and `ponder refresh` finishes them.

examples:
  ponder index ~/Notes ~/Documents/paper.pdf
  ponder index --follow-links ~/Notes""",
}
INDEX_PATH = "a file or folder; a folder is read recursively and remembered for `refresh`"

REFRESH = {
    "help": "re-scan every folder in the library (also finishes pending files)",
    "description": "Re-scan every folder and file added with `index`: new and changed files "
    "are embedded, deleted ones leave the library, files left pending are finished.",
    "epilog": "prints: the same summary as `ponder index`.",
}

REBUILD = {
    "help": "re-embed everything, e.g. with another --pooling",
    "description": "Embed every document again, with the --model, --pooling, --precision or "
    "--context given (the library's own where not given).",
    "epilog": "prints: the model, pooling, precision and context now used, then the summary "
    "of `ponder index`.",
}

SEARCH = {
    "help": 'find documents by meaning and keywords; "exact phrase", -word, type:pdf, '
    "in:FOLDER, after:/before:YYYY-MM-DD",
    "description": "Find the documents closest in meaning to QUERY, helped by its keywords.",
    "epilog": """query syntax:
  words                   searched by meaning and by keyword
  "exact phrase"          must occur as written (case does not matter)
  -word, -"a phrase"      must not occur
  type:pdf                only this file type: a suffix (pdf, md, txt, docx...) or a kind
                          (markdown); several type: filters allow any of them
  in:FOLDER               only files under this folder: a path (~/work/notes), or a
                          folder's name (notes) wherever it is
  after:YYYY-MM-DD        modified on or after this day (YYYY-MM or YYYY also work)
  before:YYYY-MM-DD       modified before this day
  Filters only narrow a search: a query needs at least one word.

examples:
  ponder search 'when does the train to paris leave'
  ponder search 'budget "rent increase" -draft type:pdf after:2025-01-01'
  ponder search -k 3 'meeting notes in:work before:2024'
  printf 'bread\\n\\ngarden\\n' | ponder search --json

prints:
  text: for each document its rank, score (higher is closer), path, [line, page], and
  its best sentence (a long one cut short and marked with "…"); "no results" when
  nothing matches, "no close match" above results that are only weakly related.
  --json: one line per query, {"query": QUERY, "results": [RESULT, ...]}, each RESULT with
  path, title, score, sentence (the best sentence), start and end (its character offsets
  in the document's text), line, page (null outside PDFs), context and context_start (the
  passage around it), matches (how many sentences matched), weak (only weakly related),
  unquoted (no document holds the quoted phrase: ranked by meaning instead), pending (its
  words are stored but not yet its meaning: found by its words alone), copies (the paths of
  files with the same content, shown once: absent when there are none).
  Without QUERY, --json reads one query per line of standard input and prints exactly one
  line for each: an empty line gives {"query": "", "results": []}; a query that cannot be
  run gives {"query": ..., "results": [], "error": "why"} and the exit status is 1.""",
}
SEARCH_QUERY = "what to look for, with the syntax below; leave out with --json to read stdin"
SEARCH_JSON = "one JSON object per query (fields below); without QUERY, a query per stdin line"

RELATED = {
    "help": "the documents closest in meaning to one file, and what connects them",
    "description": "The documents closest in meaning to PATH (a file in the library), each "
    "with the pair of sentences, one from each file, that connects them best.",
    "epilog": """prints:
  text: rank, score, path and line, then "here:" PATH's sentence and "there:" the related
  document's sentence (long ones cut short and marked with "…").
  --json: one line, {"path": PATH, "related": [{path, title, score, here, there}, ...]},
  here and there each {text, line, page, start, end}.""",
}
RELATED_JSON = "one JSON object (fields below)"

STATUS = {
    "help": "what the library holds, and which files failed",
    "description": "The library's model and settings, how many documents it holds, its "
    "folders, and every file that was skipped or failed, with why.",
    "epilog": """prints:
  text: library, model, pooling, documents (indexed, pending, skipped, failed), folders, then
  each problem file; with --by-reason the problem files are counted by reason instead, with
  a few example paths each.
  --json: one object: data_dir, model, model_path, pooling, precision, context, dimension,
  counts {indexed, skipped, failed, pending, meaning_pending (words stored, vectors not yet),
  sentences, passages}, roots, bytes_on_disk,
  problems [{path, status, reason}]; with --by-reason also reasons [{status, reason, count,
  examples}], the largest group first.""",
}
STATUS_BY_REASON = "count the skipped and failed files by reason, with a few examples each"
STATUS_JSON = "one JSON object (fields below)"

REMOVE = {
    "help": "take files or folders out of the library",
    "description": "Take files or folders out of the library (the files themselves are not "
    "touched). A folder that was added with `index` is no longer re-scanned.",
    "epilog": "prints: removed N documents. A PATH the library does not hold is an error, "
    "and then nothing is removed.",
}
REMOVE_PATH = "a file or folder in the library (it may be gone from the disk already)"

MEASURED_POOLING = (
    "the pooling to measure, or all (this command's own --pooling; default: the one given "
    "before the command, else all for compare, mean for eval and eval-sts)"
)

COMPARE = {
    "help": "cosine similarity of two sentences under each pooling",
    "description": "The cosine similarity of two sentences' vectors, under each pooling.",
    "epilog": "prints: one line per pooling: its name, the cosine and a bar.",
}

EVAL = {
    "help": "nDCG@10, MRR@10, Recall@100 on a BEIR folder, or on a notes folder "
    "(queries.tsv + files/) indexed as a user would",
    "description": "Measure retrieval on DIR: a BEIR folder (corpus.jsonl, queries.jsonl, "
    "qrels/test.tsv) or a notes folder (queries.tsv and files/) indexed as a user would.",
    "epilog": "prints: one line per pooling (and mode): nDCG@10, MRR@10 and Recall@100.",
}

EVAL_STS = {
    "help": "Spearman of cosine vs human scores on an STS TSV",
    "description": "How well the cosine of two sentences follows human similarity scores, "
    "on a TSV file of sentence pairs and scores.",
    "epilog": "prints: one line per pooling: Spearman and Pearson correlation x100.",
}

TEAM_SETUP = {
    "help": "create a team library on a PostgreSQL server (--library URL, as its owner) and "
    "grant roles: writers index, readers only search",
    "description": "Create a team library on a PostgreSQL server (--library URL, connecting "
    "as its owner) and grant roles: writers index, readers only search.",
}

SELF_TEST = {
    "help": "index and search a sample offscreen, then exit",
    "description": "Index and search a few sample files in a window kept offscreen, then "
    "exit: 0 if the install works.",
}
