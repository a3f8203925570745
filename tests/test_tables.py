"""The column-wise CSV writer (arrow kernels) against its oracle, the csv module."""

import csv
import io
import random

import pyarrow as pa

from anfang.tables import _safe, csv_columns

HOSTILE = ["", "plain", "汉字，逗号", 'say "hi"', "a,b", "line\nbreak", "cr\rhere", "crlf\r\n", "=1+1", "+86",
           "-3", "@SUM(A1)", "\tTAB", "\rR", "'", "'=x", "''", "'plain", " lead", "trail ", '"', ",", "𠮷祥",
           "=", "=\"quoted,formula\"\n"]  # fmt: skip


def oracle(headers, rows, bom):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_safe(cell) for cell in row] for row in rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


TYPES = (pa.string(), pa.large_string())  # both kinds of arrow text, column by column


def written(headers, rows, chunk, bom=True):
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in headers]
    chunks = [
        [pa.array(list(column[start : start + chunk]), TYPES[i % 2]) for i, column in enumerate(columns)]
        for start in range(0, len(rows), chunk)
    ]
    return b"".join(csv_columns(headers, chunks, bom=bom))


def test_every_hostile_cell_is_written_as_the_csv_module_writes_it():
    rows = [[text, HOSTILE[(i + 7) % len(HOSTILE)], "x"] for i, text in enumerate(HOSTILE)]
    headers = ["编号", "问题隐患内容", "备注"]
    expected = oracle(headers, rows, bom=True)
    assert written(headers, rows, chunk=4) == expected
    assert written(headers, rows, chunk=1000) == expected
    # spot checks of the oracle itself: quoted, doubled, neutralised
    assert b'"say ""hi"""' in expected and b"'=1+1" in expected and b'"line\nbreak"' in expected
    assert expected.startswith("\ufeff编号,问题隐患内容,备注\r\n".encode())


def test_random_tables_of_hostile_text_equal_the_oracle():
    rng = random.Random(17)
    alphabet = ['"', ",", "\r", "\n", "=", "+", "-", "@", "\t", "'", " ", "a", "汉", "𠮷"]
    for _ in range(200):
        width, height = rng.randint(1, 5), rng.randint(0, 30)
        rows = [
            ["".join(rng.choices(alphabet, k=rng.randint(0, 6))) for _ in range(width)] for _ in range(height)
        ]
        headers = [f"列{i}" for i in range(width)]
        assert written(headers, rows, chunk=rng.randint(1, 8), bom=False) == oracle(headers, rows, bom=False)


def test_missing_cells_are_empty_and_an_empty_table_is_its_header():
    chunk = [pa.array(["a", None], pa.large_string()), pa.array([None, "=b"], pa.string())]
    assert b"".join(csv_columns(["x", "y"], [chunk])) == b"x,y\r\na,\r\n,'=b\r\n"
    assert b"".join(csv_columns(["x", "y"], [], bom=True)) == "\ufeffx,y\r\n".encode()
    # a row of one empty cell is written "" (a blank line would be read back as no row at all)
    assert b"".join(csv_columns(["x"], [[pa.array(["", "a"])]])) == b'x\r\n""\r\na\r\n'
