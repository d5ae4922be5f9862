#!/usr/bin/env python3
"""Labelled examples: import writers' JSON Lines, or build an .eml corpus from them.

    scripts/build_examples.py import /work/corpus_out/w1 /work/corpus_out/w2 --to data/examples
        each source directory's records -> data/examples/train/<name>.jsonl and dev/<name>.jsonl
        (split by a hash of the record: about 15% dev; importing again keeps the split)
    scripts/build_examples.py from-corpus tests/corpus tests/corpus_holdout --name corpora --to data/examples
        labelled .eml corpora (labels.csv and mail/) -> train/<name>.jsonl and dev/<name>.jsonl
        (the text the desk reads)
    scripts/build_examples.py corpus SRC [SRC ...] --out tests/corpus_blind2 [--policy tests/corpus/policy.toml]
        the records of SRC (.jsonl files or directories) -> OUT/mail/*.eml, OUT/labels.csv, OUT/policy.toml

Deterministic: the same records always give the same files, byte for byte.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    from resetdesk.rules.examples import build_corpus, import_corpora, import_examples, read_examples

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    importing = commands.add_parser("import", help="copy writers' records into train/ and dev/")
    importing.add_argument("sources", nargs="+")
    importing.add_argument("--to", default=str(ROOT / "data" / "examples"))
    converting = commands.add_parser("from-corpus", help="labelled .eml corpora into train/ and dev/")
    converting.add_argument("corpora", nargs="+")
    converting.add_argument("--name", required=True)
    converting.add_argument("--to", default=str(ROOT / "data" / "examples"))
    building = commands.add_parser("corpus", help="build .eml files and labels.csv")
    building.add_argument("sources", nargs="+")
    building.add_argument("--out", required=True)
    building.add_argument("--policy", default=str(ROOT / "tests" / "corpus" / "policy.toml"))
    args = parser.parse_args(argv)

    if args.command == "import":
        counts = import_examples(args.sources, args.to)
        print(f"imported {counts['train']} train and {counts['dev']} dev records into {args.to}")
    elif args.command == "from-corpus":
        counts = import_corpora(args.corpora, args.to, args.name)
        print(f"imported {counts['train']} train and {counts['dev']} dev records into {args.to}")
    else:
        count = build_corpus(read_examples(args.sources), args.out, args.policy)
        print(f"built {count} mails in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
