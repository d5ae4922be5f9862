"""Sender identity costs: prints figures, asserts nothing.

    python bench/bench_authres.py [--repeats 2000]

Per call, the median of --repeats (one core): an Authentication-Results header
parsed by stock authres 1.2.0 and by rules/authresults.py (the same parser,
strict, matching at a position), for a typical header and for long ones (stock
authres is quadratic in the length); and the strict From parse
(intake/address.py) on its regex path and its stdlib path.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def per_call(function, value, repeats: int) -> float:
    """Median microseconds of one call, over batches of ten."""
    samples = []
    for _ in range(max(1, repeats // 10)):
        start = time.perf_counter()
        for _ in range(10):
            try:
                function(value)
            except Exception:   # a refused value costs what it costs
                pass
        samples.append((time.perf_counter() - start) / 10 * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2000)
    args = parser.parse_args()
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass

    import authres
    import authres.dmarc

    from resetdesk.intake.address import parse_mailbox
    from resetdesk.rules import authresults

    stock = authres.FeatureContext(authres.dmarc).parse_value
    headers = {
        "typical (190 chars)": "mx.contoso.no; spf=pass (sender IP is 40.107.69.216) smtp.mailfrom=contoso.no; "
                               "dkim=pass (signature was verified) header.d=contoso.no;dmarc=pass action=none "
                               "header.from=contoso.no",
        "Gmail-like (300 chars)": "mx.google.com; dkim=pass header.i=@gmail.com header.s=20230601 header.b=jdnmExov; "
                                  "spf=pass (google.com: domain of x@gmail.com designates 209.85.220.41 as permitted "
                                  "sender) smtp.mailfrom=x@gmail.com; dmarc=pass (p=NONE sp=QUARANTINE dis=NONE) "
                                  "header.from=gmail.com",
    }
    for size in (2000, 8000):
        headers[f"long ({size} chars)"] = ("mx.contoso.no; spf=pass " + " ".join(
            f"smtp.x{i}=y" for i in range(size // 11)))[:size].rsplit(" ", 1)[0]
    print("Authentication-Results, microseconds per header (median):")
    for name, value in headers.items():
        repeats = args.repeats if len(value) < 1000 else max(20, args.repeats // 50)
        print(f"  {name:<24} stock authres {per_call(stock, value, repeats):9.1f}   "
              f"rules/authresults.py {per_call(authresults.parse, value, repeats):8.1f}")

    print("From, microseconds per field (median):")
    for name, value in {
        "Name <addr> (regex path)": "Kari Nordmann <kari.nordmann@contoso.no>",
        "encoded name (regex path)": "=?utf-8?q?Kj=C3=A6rsti_Ha=C3=B8?= <kjaersti@contoso.no>",
        "IDN domain (regex + idna)": "Ola <ola@blåbær.no>",
        "comment (stdlib path)": "kari.nordmann@contoso.no (Kari Nordmann)",
        "lax form (stdlib, refused)": "kari.nordmann@contoso.no <mallory@contoso.no>",
    }.items():
        print(f"  {name:<28} {per_call(parse_mailbox, value, args.repeats):8.1f}")


if __name__ == "__main__":
    main()
