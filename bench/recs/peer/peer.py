"""
The peer of the recommendations benchmark: the `implicit` library's ALS and item-item BM25
models on the same split as ours. When `implicit` cannot be imported (it cannot be installed
here), the same two models run as a STAND-IN written from the published algorithms
for this benchmark with numpy and scipy, and every figure they produce is labelled as such:

- ALS: implicit-feedback matrix factorisation (Hu, Koren & Volinsky, "Collaborative Filtering
  for Implicit Feedback Datasets", ICDM 2008): confidence c_ui = alpha * r_ui on observed
  entries, preference 1 there and 0 elsewhere (confidence 1), squared loss plus L2
  regularisation, alternating least squares where each half-step solves every row's normal
  equations approximately with a few conjugate-gradient steps warm-started from the previous
  factors (Takacs, Pilaszy & Tikk, RecSys 2011). Defaults as the library's: 100 factors,
  regularisation 0.01, alpha 1, 15 iterations, 3 CG steps, factors initialised uniform * 0.01.
- BM25 item-item: the item x user count matrix weighted by Okapi BM25 (items as documents,
  users as terms), item similarity = dot products of weighted rows, the K most similar kept per
  item; a user's score for an item = their counts times the similarity column. Defaults as the
  library's BM25Recommender: K = 20, K1 = 1.2, B = 0.75.

Input: int32 triples (user, track, 1 if the play lasted 30 s or more) of the training plays,
and the int32 ids of the listeners to recommend for. Output: per model, int32 [users x 10]
top-10 lists (the listener's training tracks, played or skipped, never recommended) and a JSON
line on stdout with timings and labels.
"""
import argparse
import json
import sys
import time

import numpy as np
import scipy.sparse as sp

TOP = 10


def load(train_path, users, tracks):
    triples = np.fromfile(train_path, dtype=np.int32).reshape(-1, 3)
    u, t, ok = triples[:, 0], triples[:, 1], triples[:, 2].astype(np.float32)
    counts = sp.csr_matrix((ok, (u, t)), shape=(users, tracks), dtype=np.float32)
    counts.eliminate_zeros()
    seen = sp.csr_matrix((np.ones(len(u), dtype=np.float32), (u, t)), shape=(users, tracks))
    return counts, seen


def top_n(scores, seen_rows):
    """Top-10 columns of each row of a dense score block, seen columns excluded."""
    scores = scores.copy()
    for row in range(scores.shape[0]):
        start, end = seen_rows.indptr[row], seen_rows.indptr[row + 1]
        scores[row, seen_rows.indices[start:end]] = -np.inf
    part = np.argpartition(-scores, TOP, axis=1)[:, :TOP]
    order = np.take_along_axis(scores, part, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(part, order, axis=1).astype(np.int32)


# ---------------------------------------------------------------- stand-in: ALS

def _extra_product(conf, V, Y):
    """For each row u: sum over its entries i of (c_ui - 1) (y_i . v_u) y_i."""
    rows = np.repeat(np.arange(conf.shape[0]), np.diff(conf.indptr))
    dots = np.einsum("ij,ij->i", Y[conf.indices], V[rows])
    weights = sp.csr_matrix(((conf.data - 1.0) * dots, conf.indices, conf.indptr), shape=conf.shape)
    return weights @ Y


def _cg_half_step(conf, X, Y, regularization, cg_steps, chunk_nnz=400_000):
    """Solves every row of X against fixed Y, in chunks of rows (bounded memory)."""
    factors = Y.shape[1]
    gram = (Y.T @ Y + regularization * np.eye(factors, dtype=Y.dtype)).astype(Y.dtype)
    start = 0
    rows = conf.shape[0]
    while start < rows:
        end = start + 1
        while end < rows and conf.indptr[end] - conf.indptr[start] < chunk_nnz:
            end += 1
        block = conf[start:end]
        x = X[start:end]
        r = block @ Y - x @ gram - _extra_product(block, x, Y)
        p = r.copy()
        rs_old = np.einsum("ij,ij->i", r, r)
        for _ in range(cg_steps):
            ap = p @ gram + _extra_product(block, p, Y)
            denom = np.einsum("ij,ij->i", p, ap)
            step = np.where(denom > 1e-20, rs_old / np.where(denom > 1e-20, denom, 1), 0).astype(Y.dtype)
            x += step[:, None] * p
            r -= step[:, None] * ap
            rs_new = np.einsum("ij,ij->i", r, r)
            ratio = np.where(rs_old > 1e-20, rs_new / np.where(rs_old > 1e-20, rs_old, 1), 0).astype(Y.dtype)
            p = r + ratio[:, None] * p
            rs_old = rs_new
        empty = np.diff(block.indptr) == 0
        x[empty] = 0
        X[start:end] = x
        start = end


def ours_als(counts, factors, regularization, alpha, iterations, seed, progress):
    rng = np.random.RandomState(seed)
    conf = (counts * alpha).astype(np.float32).tocsr()
    conf_t = conf.T.tocsr()
    X = (rng.rand(conf.shape[0], factors) * 0.01).astype(np.float32)
    Y = (rng.rand(conf.shape[1], factors) * 0.01).astype(np.float32)
    for it in range(iterations):
        _cg_half_step(conf, X, Y, regularization, 3)
        _cg_half_step(conf_t, Y, X, regularization, 3)
        progress(f"ALS iteration {it + 1}/{iterations}")
    return X, Y


# ---------------------------------------------------------------- stand-in: BM25 item-item

def bm25_weight(rows_by_terms, k1, b):
    """Okapi BM25 weights of a documents x terms count matrix (here: items x users)."""
    m = rows_by_terms.tocoo()
    documents = float(m.shape[0])
    idf = np.log(documents) - np.log1p(np.bincount(m.col, minlength=m.shape[1]))
    lengths = np.ravel(m.sum(axis=1))
    norm = (1.0 - b) + b * lengths / lengths.mean()
    data = m.data * (k1 + 1.0) / (k1 * norm[m.row] + m.data) * idf[m.col]
    return sp.csr_matrix((data.astype(np.float32), (m.row, m.col)), shape=m.shape)


def ours_item_knn(counts, k, k1, b, progress, block=512):
    weighted = bm25_weight(counts.T.tocsr(), k1, b)
    weighted_t = weighted.T.tocsr()
    items = weighted.shape[0]
    rows, cols, vals = [], [], []
    for start in range(0, items, block):
        end = min(start + block, items)
        dense = (weighted[start:end] @ weighted_t).toarray()
        kk = min(k, items - 1)
        part = np.argpartition(-dense, kk, axis=1)[:, :kk]
        rows.append(np.repeat(np.arange(start, end), kk))
        cols.append(part.ravel())
        vals.append(np.take_along_axis(dense, part, axis=1).ravel())
        if (start // block) % 20 == 0:
            progress(f"BM25 similarity {end}/{items} items")
    sim = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(items, items))
    sim.eliminate_zeros()
    return sim


# ---------------------------------------------------------------- the library, when present

def library_als(implicit, counts, factors, regularization, alpha, iterations, seed):
    model = implicit.als.AlternatingLeastSquares(factors=factors, regularization=regularization, alpha=alpha, iterations=iterations, random_state=seed)
    model.fit(counts, show_progress=False)
    return np.asarray(model.user_factors), np.asarray(model.item_factors)


def library_item_knn(implicit, counts, k, k1, b):
    model = implicit.nearest_neighbours.BM25Recommender(K=k, K1=k1, B=b)
    model.fit(counts, show_progress=False)
    return model.similarity.tocsr()


# ---------------------------------------------------------------- main

def parse_variant(text):
    """`als` or `als[alpha=10;regularization=0.1]`: a model and its parameters."""
    if "[" not in text:
        return text, {}
    name, rest = text.split("[", 1)
    params = {}
    for pair in rest.rstrip("]").split(";"):
        key, value = pair.split("=")
        params[key] = float(value)
    return name, params


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True)
    parser.add_argument("--eval-users", required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--tracks", type=int, required=True)
    parser.add_argument("--out", required=True, help="prefix of the output files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--variants", default="als,bm25")
    args = parser.parse_args()

    def progress(message):
        print(f"[peer] {message}", file=sys.stderr, flush=True)

    try:
        import implicit  # noqa: F401
        import implicit.als
        import implicit.nearest_neighbours
        library = implicit
        label = f"implicit {implicit.__version__}"
    except ImportError:
        library = None
        label = "STAND-IN (not implicit): implicit-feedback ALS and BM25 item-item written for this benchmark with numpy/scipy"
    progress(f"peer: {label}")

    started = time.time()
    counts, seen = load(args.train, args.users, args.tracks)
    eval_users = np.fromfile(args.eval_users, dtype=np.int32)
    seen_eval = seen[eval_users]
    results = {"label": label, "library": library is not None, "loadSeconds": time.time() - started, "models": []}

    for variant in args.variants.split(","):
        name, params = parse_variant(variant)
        started = time.time()
        if name in ("als", "als-bm25"):
            matrix = counts if name == "als" else bm25_weight(counts.T.tocsr(), 100.0, 0.8).T.tocsr()
            p = {"factors": 100, "regularization": 0.01, "alpha": 1.0, "iterations": 15}
            p.update({k: (int(v) if k in ("factors", "iterations") else v) for k, v in params.items()})
            if library is not None:
                X, Y = library_als(library, matrix, seed=args.seed, **p)
            else:
                X, Y = ours_als(matrix, seed=args.seed, progress=progress, **p)
            fit = time.time() - started
            lists = np.concatenate([top_n(X[eval_users[s:s + 1024]] @ Y.T, seen_eval[s:s + 1024]) for s in range(0, len(eval_users), 1024)])
            memory = X.nbytes + Y.nbytes
        elif name == "bm25":
            p = {"K": 20, "K1": 1.2, "B": 0.75}
            p.update(params)
            p["K"] = int(p["K"])
            if library is not None:
                sim = library_item_knn(library, counts, p["K"], p["K1"], p["B"])
            else:
                sim = ours_item_knn(counts, p["K"], p["K1"], p["B"], progress)
            fit = time.time() - started
            rows = counts[eval_users]
            lists = np.concatenate([top_n((rows[s:s + 1024] @ sim).toarray(), seen_eval[s:s + 1024]) for s in range(0, len(eval_users), 1024)])
            memory = sim.data.nbytes + sim.indices.nbytes + sim.indptr.nbytes
        else:
            raise SystemExit(f"unknown peer model {variant}")
        recommend = time.time() - started - fit
        path = f"{args.out}.{len(results['models'])}.bin"
        lists.astype(np.int32).tofile(path)
        results["models"].append({"name": variant, "params": p, "fitSeconds": fit, "recommendSeconds": recommend, "usersRecommended": int(len(eval_users)), "modelBytes": int(memory), "lists": path})
        progress(f"{variant}: fit {fit:.1f} s, recommend {recommend:.1f} s")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
