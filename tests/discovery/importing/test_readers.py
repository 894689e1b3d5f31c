"""CSV chunks from pandas' C reader (regular files) are the cells the validating csv reader gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from discovery.importing import readers

REGULAR = [
    b'platform,handle,name,followers\ninstagram,a,"Ann, ""the"" one",1.2k\ntiktok,b,,\n',
    b"platform;handle;name\r\ninstagram;a; spaced \r\ntiktok;b;#N/A\r\n",
    b"\xef\xbb\xbfplatform,handle,name\ninstagram,a,Caf\xc3\xa9\n",
    b"platform,handle,name\ninstagram,a,Caf\xe9\ninstagram,b,x",
]
IRREGULAR = [
    b'platform,handle,name\ninstagram,a,"multi\nline"\ntiktok,b,x\n',  # a quoted line break
    b"platform,handle,name\ninstagram,a,x\n\ninstagram,b,y\n",  # a blank row
    b"platform,handle,name\ninstagram,a\ninstagram,b,y,\n",  # short and long rows
]


def _chunks(info: readers.FileInfo) -> list[tuple[list[int], list[list[object]], list[int]]]:
    return [
        (frame.index.tolist(), frame.to_numpy().tolist(), [bad.row for bad in bad_rows])
        for frame, bad_rows in readers.iter_chunks(info, chunk_size=2)
    ]


@pytest.mark.parametrize("content", REGULAR + IRREGULAR)
def test_regular_csv_is_read_by_pandas_with_the_same_cells_and_rows(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    info = readers.open_file(path)

    fast = _chunks(info)
    regular = info.regular
    info.regular = False
    plain = _chunks(info)

    assert regular == (content in REGULAR)
    assert fast == plain
    assert all(isinstance(cell, str) for _, rows, _ in fast for row in rows for cell in row)
