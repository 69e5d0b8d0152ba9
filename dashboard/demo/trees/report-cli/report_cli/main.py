"""Summarise a CSV of monthly revenue; a command-line tool, not a web service."""

import argparse
import csv
from collections import defaultdict


def summarise(path: str) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            totals[row["month"]] += float(row["amount"])
    return dict(totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv_file")
    for month, total in sorted(summarise(parser.parse_args().csv_file).items()):
        print(f"{month}\t{total:10.2f}")


if __name__ == "__main__":
    main()
