"""Hostile mail: per-mail time over pathological shapes, a fuzz set and the normal corpus. Prints, asserts nothing.

    python bench/bench_hostile.py [--size 200000] [--fuzz 2000] [--timeout 120] [--no-big] [--audit]

Each mail goes through what the desk does with it (tests/hostile_mail.py's
`decide`: parse, classify, compose the reply and the escalation) on one core.
The pathological shapes (tests/hostile_mail.py) each run in a forked child
with --timeout, so a shape that would run for hours is cut off and shown as
such instead of hanging the run. Printed per set: p50, p99 and max per mail,
the outcomes, and the slowest mails.

--audit also runs every compiled regular expression that reads mail text
(intake, rules, lexicons as compiled, responders), the way the code calls it,
over long runs of single characters and pairs at two lengths, and prints the
worst growth: about 4 for a fourfold length is linear, 16 quadratic.
"""

from __future__ import annotations

import argparse
import os
import pickle
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import hostile_mail  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def in_child(function, timeout: float):
    """(seconds, result) of function() in a forked child; (None, 'timed out') after `timeout`."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            start = time.perf_counter()
            try:
                result = function()
            except Exception as error:   # reported, never raised: the bench goes on
                result = f"TRACEBACK {type(error).__name__}: {str(error)[:200]}"
            payload = pickle.dumps((time.perf_counter() - start, result))
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(0)
    os.close(writer)
    deadline = time.monotonic() + timeout
    chunks = []
    os.set_blocking(reader, False)
    while True:
        try:
            chunk = os.read(reader, 65536)
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(reader)
                return None, "timed out"
            time.sleep(0.005)
            continue
        if not chunk:
            break
        chunks.append(chunk)
    os.close(reader)
    os.waitpid(pid, 0)
    if not chunks:
        return None, "child died"
    return pickle.loads(b"".join(chunks))


def report(title: str, timings: list[tuple[str, float | None, str]], timeout: float) -> None:
    done = [seconds for _, seconds, _ in timings if seconds is not None]
    cut = len(timings) - len(done)
    counted = done + [timeout] * cut            # a cut-off mail took at least the timeout
    outcomes: dict[str, int] = {}
    for _, _, outcome in timings:
        kind = outcome.split(":")[0] if not outcome.startswith("TRACEBACK") else "TRACEBACK"
        outcomes[kind] = outcomes.get(kind, 0) + 1
    print(f"{title}: {len(timings)} mails; per mail p50 {percentile(counted, .5) * 1000:,.1f} ms, "
          f"p99 {percentile(counted, .99) * 1000:,.1f} ms, max {max(counted) * 1000:,.1f} ms"
          + (f" (>= {timeout:.0f} s: {cut} cut off)" if cut else ""))
    print("  outcomes: " + ", ".join(f"{kind} {count}" for kind, count in sorted(outcomes.items())))
    slowest = sorted(timings, key=lambda t: -(t[1] if t[1] is not None else float("inf")))[:8]
    for name, seconds, outcome in slowest:
        shown = f"{seconds * 1000:10,.1f} ms" if seconds is not None else f"  >{timeout:6.0f} s  "
        print(f"  {shown}  {name[:70]:<70} {outcome[:60]}")
    for name, _, outcome in timings:
        if outcome.startswith("TRACEBACK"):
            print(f"  ! {name[:70]}: {outcome}")


def run_in_process(mails, classifier, config) -> list[tuple[str, float | None, str]]:
    timings = []
    for name, raw in mails:
        start = time.perf_counter()
        try:
            outcome = hostile_mail.decide(raw, classifier, config)
        except Exception as error:
            outcome = f"TRACEBACK {type(error).__name__}: {str(error)[:200]}"
        timings.append((name, time.perf_counter() - start, outcome))
    return timings


def audit(size: int = 4_000) -> None:
    """Every compiled pattern that reads mail text over runs of characters and pairs; the worst growth.

    A pattern that takes under 0.5 ms on `size` characters is not quadratic
    (that would be 16 million steps); the others are timed again at four
    times the length, up to three times when the growth looks worse than linear.
    """
    import re
    from resetdesk.intake import html as html_module, parse as parse_module
    from resetdesk.responders import compose
    from resetdesk.rules import facts, lexicon as lexicon_module, text
    from resetdesk.rules.engine import Knowledge

    # How each module-level pattern meets mail text: anchored ones only at one
    # position; the rest anywhere (search, findall, sub, split).
    anchored = {f"text.{name}" for name in ("_FORWARD", "_ORIGINAL", "_OUTLOOK_FROM", "_OUTLOOK_SENT",
                                             "_RULE_LINE", "_HEADER_LINE", "_SIGNATURE", "_QUOTED",
                                             "_FORWARD_SUBJECT")} | {"html._TAG_NAME", "lexicon machine_subject"}
    whole = {"parse._SIMPLE_ADDRESS", "compose._ADDR_SPEC", "lexicon robot_localpart"}
    # Not mail text: the lexicon's own patterns, and a pattern run on stripped lines of 400 characters at most.
    skipped = {"lexicon._CHAR_CLASS", "lexicon._UPPER_ESCAPE", "text._REPLY_HEADER"}
    patterns: list[tuple[str, re.Pattern]] = []
    for module in (facts, text, lexicon_module, html_module, parse_module, compose):
        for name, value in vars(module).items():
            label = f"{module.__name__.split('.')[-1]}.{name}"
            if isinstance(value, re.Pattern) and label not in skipped:
                patterns.append((label, value))
    patterns += [(f"html._RAW_TEXT_END[{name}]", value)
                 for name, value in getattr(html_module, "_RAW_TEXT_END", {}).items()]
    lexicon = Knowledge.load().lexicon
    for fact, compiled in lexicon.facts.items():
        patterns.append((f"lexicon fact {fact}", compiled.pattern))
    for fact, rules in lexicon.together.items():
        for number, rule in enumerate(rules):
            for group, compiled in enumerate(rule.groups):
                patterns.append((f"lexicon together {fact}[{number}].{group}", compiled))
    for name in ("mask", "machine_subject", "robot_localpart"):
        value = getattr(lexicon, name)
        patterns.append((f"lexicon {name}", value.pattern if hasattr(value, "triggers") else value))
    chars = "a1@.-<>_=:&'+ \t\n(\")[]!?,;/\\*#~%å\u00a0"
    units = list(chars) + [c + s for c in "a" for s in " @.-<>_=:&'+\n("] + \
        ["=?", "&#", "<a", "</", "<!--", "on ", "a wrote", "passord ", "glemt ", "--", "> ", "a@a.", "\r\n "]

    def best(label: str, pattern: re.Pattern, subject: str, runs: int = 3) -> float:
        if isinstance(pattern.pattern, bytes):
            subject = subject.encode("utf-8")
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            if label in anchored:
                pattern.match(subject)
            elif label in whole:
                pattern.fullmatch(subject)
            else:
                pattern.search(subject)
                for _ in pattern.finditer(subject):
                    pass
            times.append(time.perf_counter() - t0)
        return min(times)

    grown: list[tuple[float, str, str, str]] = []
    start = time.perf_counter()
    for label, pattern in patterns:
        for unit in units:
            for affix in ("", ":", "x"):
                subject = unit * (size // len(unit)) + affix
                if best(label, pattern, subject, 1) < 0.0005 or best(label, pattern, subject) < 0.0005:
                    continue
                longer = unit * (4 * size // len(unit)) + affix
                trials = []
                for _ in range(3):      # a busy machine inflates one reading; a quadratic stays quadratic
                    small, large = best(label, pattern, subject), best(label, pattern, longer)
                    trials.append((large / small, small, large))
                    if large / small < 6:
                        break
                growth, small, large = min(trials)
                grown.append((growth, label, repr(unit + "..." + affix),
                              f"{small * 1000:.2f} -> {large * 1000:.2f} ms"))
    grown.sort(reverse=True)
    print(f"regex audit: {len(patterns)} patterns x {len(units) * 3} shapes at {size:,} and {4 * size:,} "
          f"characters ({time.perf_counter() - start:.0f} s); growth 4x is linear, 16x quadratic; "
          f"{len(grown)} took over 0.5 ms at {size:,}")
    for growth, label, shape, figures in grown[:12]:
        print(f"  growth {growth:5.1f}x  {label:<45} {shape:<20} {figures}")


def hostile_config():
    """The corpus policy, with an escalation address so escalations are composed too."""
    import tomllib
    from resetdesk import config as config_module

    policy = tomllib.loads((ROOT / "tests" / "corpus" / "policy.toml").read_text())["policy"]
    return config_module.from_dict({"policy": policy, "escalation": {"address": "human@resetdesk.example"}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=hostile_mail.SIZE, help="characters in one run")
    parser.add_argument("--fuzz", type=int, default=2000, help="mutated corpus mails")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a shape is cut off")
    parser.add_argument("--no-big", action="store_true", help="leave out the 20 MB bodies")
    parser.add_argument("--audit", action="store_true", help="also time every regex over runs (slow)")
    args = parser.parse_args()

    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass

    from resetdesk.rules.engine import Classifier

    config = hostile_config()
    classifier = Classifier(config)

    corpus = hostile_mail.corpus_mails()
    for _, raw in corpus[:50]:   # warm-up: templates, regex caches
        hostile_mail.decide(raw, classifier, config)
    report("normal corpus", run_in_process(corpus, classifier, config), args.timeout)
    report(f"fuzz set (seed {hostile_mail.FUZZ_SEED})",
           run_in_process(hostile_mail.fuzzed(args.fuzz), classifier, config), args.timeout)

    shapes = hostile_mail.pathological(args.size, hostile_mail.BIG if not args.no_big else args.size)
    timings = []
    for name, raw in shapes:
        seconds, outcome = in_child(lambda raw=raw: hostile_mail.decide(raw, classifier, config), args.timeout)
        timings.append((name, seconds, outcome))
        print(f"    {name[:60]:<60} {'cut off' if seconds is None else f'{seconds * 1000:,.1f} ms'}",
              file=sys.stderr, flush=True)
    report(f"pathological shapes ({args.size:,}-character runs)", timings, args.timeout)
    if args.audit:
        audit()


if __name__ == "__main__":
    sys.exit(main())
