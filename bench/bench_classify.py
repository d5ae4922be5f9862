"""Classifier speed and memory, the learned reader beside the lexicon alone: prints figures, asserts nothing.

    python bench/bench_classify.py [--mails 2000] [--repeats 5] [--memory-mails 100000] [--lexicon-only]

The mixed corpus: the labelled corpora (tests/corpus*), the shipped samples
and data/examples/dev built into mail, cycled. On one core:
- latency: parse + facts + reader + durable-rules decision + reply rendering,
  per mail; p50 and p99 over --mails mails (targets: p50 <= 2 ms, p99 <= 50 ms);
- throughput: the median of --repeats runs over --mails mails (target >= 300 mails/s);
- memory: RSS sampled every 10,000 mails over --memory-mails classifications
  (with the reader, or the lexicon alone with --lexicon-only); flat means the
  second half does not grow.
Start-up (loading graph, lexicon and model) is printed too.
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
    """The mixed corpus: every labelled corpus, the samples, and the dev examples as mail."""
    from resetdesk import config
    from resetdesk.rules.examples import labelled_mails, read_examples

    paths = sorted((ROOT / "data" / "samples").glob("*.eml"))
    for corpus in sorted((ROOT / "tests").glob("corpus*")):
        paths += sorted((corpus / "mail").glob("*.eml"))
    mails = [p.read_bytes() for p in paths]
    dev = ROOT / "data" / "examples" / "dev"
    if dev.exists():
        requesters = config.load(ROOT / "tests" / "corpus" / "policy.toml").policy.requesters
        mails += [data for _, data, _ in labelled_mails(read_examples([dev]), requesters)]
    return mails


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(classifier, batch: list[bytes], repeats: int) -> tuple[list[float], list[float]]:
    """(per-mail latencies in seconds over all runs, mails/s of each run)."""
    from resetdesk.intake.parse import parse_message

    latencies, rates = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        for raw in batch:
            t0 = time.perf_counter()
            classifier.classify(parse_message(raw))
            latencies.append(time.perf_counter() - t0)
        rates.append(len(batch) / (time.perf_counter() - start))
    return latencies, rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--memory-mails", type=int, default=100_000)
    parser.add_argument("--lexicon-only", action="store_true", help="measure memory without the learned reader")
    args = parser.parse_args()

    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    except (AttributeError, OSError):
        pass

    from resetdesk import config
    from resetdesk.intake.parse import parse_message
    from resetdesk.rules.engine import Classifier, Knowledge

    policy = config.load(ROOT / "tests" / "corpus" / "policy.toml")
    start = time.perf_counter()
    knowledge = Knowledge.load(config=policy)
    print(f"start-up: graph, lexicon and model loaded in {(time.perf_counter() - start) * 1000:.0f} ms")
    corpus = load_mails()
    batch = [corpus[i % len(corpus)] for i in range(args.mails)]
    print(f"mixed corpus: {len(corpus)} distinct mails, {sum(map(len, corpus)) / len(corpus) / 1024:.1f} KiB mean size")

    classifiers = {"reader": Classifier(policy, knowledge, use_reader=True),
                   "lexicon only": Classifier(policy, knowledge, use_reader=False)}
    for name, classifier in classifiers.items():
        for raw in batch[:100]:  # warm-up: templates, regex caches
            classifier.classify(parse_message(raw))
        latencies, rates = measure(classifier, batch, args.repeats)
        print(f"{name:>13}: p50 {percentile(latencies, 0.5) * 1000:.2f} ms, p99 "
              f"{percentile(latencies, 0.99) * 1000:.2f} ms, "
              f"max {max(latencies) * 1000:.1f} ms a mail; throughput median {statistics.median(rates):,.0f} mails/s "
              f"(min {min(rates):,.0f}, max {max(rates):,.0f}); targets p50 <= 2 ms, p99 <= 50 ms, >= 300 mails/s")

    name = "lexicon only" if args.lexicon_only else "reader"
    classifier = classifiers[name]
    samples = []
    start = time.perf_counter()
    for i in range(args.memory_mails):
        classifier.classify(parse_message(corpus[i % len(corpus)]))
        if i % 10_000 == 0:
            samples.append((i, rss_mib()))
    samples.append((args.memory_mails, rss_mib()))
    print(f"memory ({name}) over {args.memory_mails:,} mails ({time.perf_counter() - start:.0f} s): " +
          ", ".join(f"{n // 1000}k={mib:.1f}" for n, mib in samples) + " MiB RSS")
    tail = [mib for _, mib in samples[len(samples) // 2:]]
    print(f"growth over the second half: {max(tail) - min(tail):.1f} MiB")


if __name__ == "__main__":
    sys.exit(main())
