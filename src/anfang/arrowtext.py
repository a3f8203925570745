"""Text in arrow arrays, for the outputs made column-wise (the export CSV, 整改过程, the 回头看
shards): one way to make it, join it and reach its bytes. Imported only by those outputs."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def large_text(value):
    """A str as an arrow large_string scalar; a Series, list or array as a large_string array
    (kernels want every argument of one type)."""
    if isinstance(value, str):
        return pa.scalar(value, pa.large_string())
    return pa.array(value, pa.large_string())


def concat(*parts):
    """The parts (arrays of one length, or str) joined element-wise, with nothing between."""
    return pc.binary_join_element_wise(*map(large_text, parts), large_text(""))


def joined_per(items, group_of: np.ndarray, groups: int, separator: str):
    """For each group 0..groups-1, its items (in their order) joined by `separator`; "" for none."""
    order = np.argsort(group_of, kind="stable")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(group_of, minlength=groups))])
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), items.take(pa.array(order)))
    return pc.binary_join(lists, large_text(separator))


def utf8_of(column) -> tuple[np.ndarray, np.ndarray]:
    """The bytes of a large_string array without nulls, and where each cell starts (and the last ends)."""
    offsets = np.frombuffer(column.buffers()[1], np.int64)[column.offset : column.offset + len(column) + 1]
    data = column.buffers()[2]
    return (np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)), offsets
