#!/usr/bin/env python3
"""The predictions-mode evaluation done with pandas.read_csv + numpy, for
comparison with `fairctl evaluate` in docs/benchmarks.md: per-group
confusion counts over the intersection of the protected attributes, then
selection rates and the demographic-parity difference.

Usage: pandas_eval.py FILE LABEL PREDICTION ATTR [ATTR...]
"""
import sys
import time

import numpy as np
import pandas as pd


def main():
    path, label, pred, attrs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    start = time.perf_counter()
    df = pd.read_csv(path, usecols=[label, pred, *attrs])
    y = df[label].to_numpy(dtype=np.int8)
    p = df[pred].to_numpy(dtype=np.int8)
    df["tp"] = (y == 1) & (p == 1)
    df["fp"] = (y == 0) & (p == 1)
    df["tn"] = (y == 0) & (p == 0)
    df["fn"] = (y == 1) & (p == 0)
    counts = df.groupby(attrs)[["tp", "fp", "tn", "fn"]].sum()
    n = counts.sum(axis=1)
    selection = (counts["tp"] + counts["fp"]) / n
    elapsed = time.perf_counter() - start
    print(counts.to_string())
    print("demographic parity difference (intersection):", selection.max() - selection.min())
    print(f"pandas+numpy: {len(df)} rows in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
