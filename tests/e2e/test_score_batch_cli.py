"""`seawall score-batch` as an analyst runs it on a portfolio file: chunks, rejects with row
numbers, every decision logged, scores as /score gives them, offshore refused, a failed run
leaving no output; and any cell values (CSV) or column types (Parquet) in a file either scored
or refused, never a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artifacts.ledger import open_store, verify_chain
from regions import load_catalogue
from service.batch import BatchError, BatchRequest, score_batch
from service.scoring import Scorecard

SEAWALL = [sys.executable, "-m", "seawall"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*SEAWALL, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "200"})


def portfolio(serving, copies: int = 10) -> pd.DataFrame:
    frame = pd.DataFrame(serving.golden["rows"] * copies, columns=serving.golden["columns"])
    frame["APP_ID"] = [f"APP-{i}" for i in range(len(frame))]
    return frame


def logged(home: Path) -> list:
    store = open_store(str(home / "regions" / "onshore-hn" / "decisions.db"), read_only=True)
    try:
        assert verify_chain(store).intact
        return [r.decision for r in store.records()]
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_portfolio_is_scored_in_chunks_with_its_rejects_and_every_decision_logged(
        serving, tmp_path, kind):
    frame = portfolio(serving)
    frame["AGE"] = frame["AGE"].astype(object)
    frame.loc[5, "AGE"] = -3  # row 6 of the file breaks the contract
    source = tmp_path / f"book.{kind}"
    frame.to_csv(source, index=False) if kind == "csv" else frame.to_parquet(source)
    home = tmp_path / "home"
    done = run("score-batch", "--region", "onshore-hn", "--bundle", str(serving.champion),
               "--catalogue", str(serving.catalogue), "--in", str(source), "--out",
               str(tmp_path / "scores.parquet"), "--id-column", "APP_ID", "--chunk-rows", "333",
               "--home", str(home), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    n = len(frame)
    assert f"{n - 1:,} of {n:,} rows scored" in done.stdout
    scores = pq.read_table(tmp_path / "scores.parquet").to_pandas()
    assert len(scores) == n - 1 and 6 not in set(scores["row"])
    expected = np.tile(serving.golden["expected"]["probability"], 10)
    np.testing.assert_allclose(scores["probability_of_default"], expected[scores["row"] - 1],
                               atol=1e-9)
    assert list(scores["application_id"][:2]) == ["APP-0", "APP-1"]
    assert all(len(codes) > 0 for codes in scores["reason_codes"])
    rejects = pd.read_csv(tmp_path / "scores.rejects.csv")
    first = rejects.iloc[0]
    assert (len(rejects), first["row"], first["field"], first["rule"]) == (1, 6, "AGE", "minimum")
    decisions = logged(home)
    assert len(decisions) == n - 1 and {d.endpoint for d in decisions} == {"batch"}
    assert len({d.request_id for d in decisions}) == -(-n // 333)  # one id per chunk
    assert decisions[0].caller.startswith("batch:")


def test_offshore_a_missing_column_and_a_broken_file_are_refused_leaving_no_output(
        serving, tmp_path):
    frame = portfolio(serving, 2)
    source = tmp_path / "book.csv"
    frame.to_csv(source, index=False)
    common = ["--bundle", str(serving.champion), "--catalogue", str(serving.catalogue),
              "--in", str(source), "--out", str(tmp_path / "s.parquet"), "--home",
              str(tmp_path / "h")]
    offshore = run("score-batch", "--region", "offshore-sg", *common, cwd=tmp_path)
    assert offshore.returncode == 1 and "does not allow the serving tier" in offshore.stderr
    missing = run("score-batch", "--region", "onshore-hn", *common, "--id-column", "NOPE",
                  cwd=tmp_path)
    assert missing.returncode == 1 and "no column 'NOPE'" in missing.stderr
    lines = source.read_text().splitlines()
    source.write_text("\n".join([*lines, '"unterminated,1,2']) + "\n")
    broken = run("score-batch", "--region", "onshore-hn", *common, "--chunk-rows", "100",
                 cwd=tmp_path)
    assert broken.returncode == 1 and "cannot read it" in broken.stderr
    for result in (offshore, missing, broken):
        assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.csv", "h"]


CELL = st.one_of(st.none(), st.integers(-10**6, 10**6).map(str), st.floats().map(str),
                 st.text(max_size=6), st.sampled_from(["1", "2", "0", "nan", "", "  "]))


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_cells_are_scored_or_refused_and_the_counts_add_up(serving, tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("cells")
    frame = portfolio(serving, 1).head(6).astype(object)
    for _ in range(data.draw(st.integers(0, 8))):
        row = data.draw(st.integers(0, len(frame) - 1))
        column = data.draw(st.sampled_from(serving.golden["columns"]))
        frame.loc[row, column] = data.draw(CELL)
    frame.to_csv(tmp / "cells.csv", index=False)
    request = BatchRequest(region="onshore-hn", catalogue=load_catalogue(serving.catalogue),
                           bundle=serving.champion, source=tmp / "cells.csv",
                           out=tmp / "out.parquet", rejects=tmp / "rejects.csv",
                           decision_log=str(tmp / "d.db"), scorecard=Scorecard(600, 50, 20),
                           chunk_rows=4)
    try:
        result = score_batch(request)
    except BatchError as e:  # a file pandas cannot read back is refused whole
        assert "cannot read it" in str(e)
        return
    # the rows a CSV reader sees (a bare "\r" in a cell, which pandas writes unquoted, ends a
    # line for the reader)
    rows = len(pd.read_csv(tmp / "cells.csv", dtype=object, keep_default_na=False))
    assert result.scored + result.rejected == result.rows == rows
    assert pq.read_table(tmp / "out.parquet").num_rows == result.scored
    refused = pd.read_csv(tmp / "rejects.csv")
    assert refused["row"].nunique() == result.rejected


TYPES = st.sampled_from([pa.float64(), pa.float32(), pa.int64(), pa.string(), pa.bool_(),
                         pa.null(), pa.large_string()])


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_parquet_columns_are_scored_refused_row_by_row_or_refused_whole(
        serving, tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("parquet")
    table = pa.Table.from_pandas(portfolio(serving, 1).head(6), preserve_index=False)
    for name in data.draw(st.lists(st.sampled_from(serving.golden["columns"]), max_size=2,
                                   unique=True)):
        kind = data.draw(TYPES)
        cells = data.draw(st.lists(st.none() | {
            pa.string(): st.text(max_size=3), pa.large_string(): st.sampled_from(["1", "x"]),
            pa.bool_(): st.booleans(), pa.null(): st.none(), pa.int64(): st.integers(-9, 200),
        }.get(kind, st.floats(width=32 if kind == pa.float32() else 64)), min_size=6,
            max_size=6))
        table = table.set_column(table.column_names.index(name), name, pa.array(cells, kind))
    if data.draw(st.booleans()):
        table = pa.Table.from_arrays([*table.columns, table.column(0)],
                                     names=[*table.column_names, table.column_names[0]])
    ids = data.draw(st.sampled_from([pa.string(), pa.int64(), pa.list_(pa.int64()),
                                     pa.float64(), pa.binary()]))
    if ids != pa.string():
        values = {pa.int64(): list(range(6)), pa.list_(pa.int64()): [[i] for i in range(6)],
                  pa.float64(): [0.5] * 6, pa.binary(): [b"\xff"] * 6}[ids]
        table = table.set_column(table.column_names.index("APP_ID"), "APP_ID",
                                 pa.array(values, ids))
    pq.write_table(table, tmp / "book.parquet")
    request = BatchRequest(region="onshore-hn", catalogue=load_catalogue(serving.catalogue),
                           bundle=serving.champion, source=tmp / "book.parquet",
                           out=tmp / "out.parquet", rejects=tmp / "rejects.csv",
                           decision_log=str(tmp / "d.db"), scorecard=Scorecard(600, 50, 20),
                           chunk_rows=4, id_column="APP_ID")
    try:
        result = score_batch(request)
    except BatchError as e:  # a column of the wrong type, or twice: refused whole, by name
        assert "column" in str(e) and not (tmp / "out.parquet").exists()
        return
    assert result.scored + result.rejected == result.rows == 6
    assert pq.read_table(tmp / "out.parquet").num_rows == result.scored
    assert pd.read_csv(tmp / "rejects.csv")["row"].nunique() == result.rejected


def test_an_id_column_of_another_type_is_refused_by_its_name(serving, tmp_path):
    table = pa.Table.from_pandas(portfolio(serving, 1).head(3), preserve_index=False)
    table = table.set_column(table.column_names.index("APP_ID"), "APP_ID",
                             pa.array([[1], [2], [3]]))
    pq.write_table(table, tmp_path / "book.parquet")
    request = BatchRequest(region="onshore-hn", catalogue=load_catalogue(serving.catalogue),
                           bundle=serving.champion, source=tmp_path / "book.parquet",
                           out=tmp_path / "out.parquet", rejects=tmp_path / "rejects.csv",
                           decision_log=str(tmp_path / "d.db"),
                           scorecard=Scorecard(600, 50, 20), id_column="APP_ID")
    with pytest.raises(BatchError, match="column 'APP_ID': application ids must be a text"):
        score_batch(request)
    assert not (tmp_path / "out.parquet").exists()
