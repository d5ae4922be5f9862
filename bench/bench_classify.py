"""Classifier throughput and memory: prints figures, asserts nothing.

    python bench/bench_classify.py [--mails 1000] [--repeats 5] [--memory-mails 100000]

Throughput: parse + facts + durable-rules decision + reply rendering for
--mails messages in one process on one core, --repeats times; the median and
spread are printed. Memory: RSS sampled every 10,000 mails over
--memory-mails classifications; flat means the last samples do not grow.
The mails are the labelled corpus and the shipped samples, cycled.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def load_mails() -> list[bytes]:
    paths = sorted((ROOT / "tests" / "corpus" / "mail").glob("*.eml")) + sorted((ROOT / "data" / "samples").glob("*.eml"))
    return [p.read_bytes() for p in paths]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--memory-mails", type=int, default=100_000)
    args = parser.parse_args()

    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    except (AttributeError, OSError):
        pass

    from resetdesk import config
    from resetdesk.intake.parse import parse_message
    from resetdesk.rules.engine import Classifier

    classifier = Classifier(config.load(ROOT / "tests" / "corpus" / "policy.toml")
                            if (ROOT / "tests" / "corpus" / "policy.toml").exists() else config.load())
    corpus = load_mails()
    batch = [corpus[i % len(corpus)] for i in range(args.mails)]
    print(f"corpus: {len(corpus)} distinct mails, {sum(map(len, corpus)) / len(corpus) / 1024:.1f} KiB mean size")

    for raw in batch[:50]:  # warm-up: templates, regex caches
        classifier.classify(parse_message(raw))

    rates, parse_share = [], []
    for _ in range(args.repeats):
        parse_time = 0.0
        start = time.perf_counter()
        for raw in batch:
            t0 = time.perf_counter()
            mail = parse_message(raw)
            parse_time += time.perf_counter() - t0
            classifier.classify(mail)
        elapsed = time.perf_counter() - start
        rates.append(len(batch) / elapsed)
        parse_share.append(parse_time / elapsed)
    print(f"throughput, {args.mails} mails x {args.repeats}: median {statistics.median(rates):,.0f} mails/s "
          f"(min {min(rates):,.0f}, max {max(rates):,.0f}); parsing is {statistics.median(parse_share):.0%} of it; "
          f"target 1,000 mails/s -> ratio {statistics.median(rates) / 1000:.1f}x")

    samples = []
    start = time.perf_counter()
    for i in range(args.memory_mails):
        classifier.classify(parse_message(corpus[i % len(corpus)]))
        if i % 10_000 == 0:
            samples.append((i, rss_mib()))
    samples.append((args.memory_mails, rss_mib()))
    print(f"memory over {args.memory_mails:,} mails ({time.perf_counter() - start:.0f} s): " +
          ", ".join(f"{n // 1000}k={mib:.1f}" for n, mib in samples) + " MiB RSS")
    tail = [mib for _, mib in samples[len(samples) // 2:]]
    print(f"growth over the second half: {max(tail) - min(tail):.1f} MiB")


if __name__ == "__main__":
    sys.exit(main())
