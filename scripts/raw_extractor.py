"""The benchmark's floor: the fastest honest extractor of one igrp's triggers, not part of the product.

Plain requests + orjson, the documented rowId paging, one Singer RECORD line per row with rowId
as an integer, written to stdout. No type conversion, no state, no retries, no repairs (a line
that is not JSON, such as doc 002's unescaped notes, goes out as its text with its rowId): what
any tap costs on top of this loop is what the benchmark's ratio measures.

    python scripts/raw_extractor.py URL IGRP USERNAME PASSWORD [PAGE_SIZE]
"""

from __future__ import annotations

import sys

import orjson
import requests


def main(url: str, igrp: str, username: str, password: str, page_size: str = "10000") -> int:
    session = requests.Session()
    session.auth = (username, password)
    out = sys.stdout.buffer
    after, limit = 0, int(page_size)
    while True:
        params = {
            "format": "json",
            "sort[]": "rowId-asc",
            "filter[]": f"rowId-gt-value-{after}",
            "limit": limit,
        }
        response = session.get(f"{url}/reports/v2/igrps/{igrp}/triggers/all", params=params, stream=True)
        response.raise_for_status()
        count = 0
        for line in response.iter_lines(chunk_size=1 << 18):
            if not line:
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                record = {"rowId": line[10 : line.index(b'"', 10)], "line": line.decode()}
            record["rowId"] = after = int(record["rowId"])
            out.write(orjson.dumps({"type": "RECORD", "stream": "triggers_all", "record": record}) + b"\n")
            count += 1
        if count < limit:
            out.flush()
            return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
