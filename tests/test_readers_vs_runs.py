"""A reader holding the published warehouse open (a dashboard, a SQL session: another process
with a read-only connection) never blocks or breaks a run, and a run never breaks the reader."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest

from tests.pipeline_harness import (
    NEW_DAY,
    cli_env,
    copy_days,
    input_paper_ids,
    paper_ids,
    published_runs,
    run_cli,
)

pytestmark = pytest.mark.slow

READER = textwrap.dedent(
    """
    import json, sys
    import duckdb

    SQL = '''select (select count(*) from dim_papers),
                    (select count(*) from fct_paper_keywords k join dim_papers p using (paper_id)),
                    (select list(run_id order by run_id) from run_audit where published)'''

    def answer(con):
        papers, keywords, runs = con.execute(SQL).fetchone()
        return {"papers": papers, "keywords": keywords, "runs": runs}

    con = duckdb.connect(sys.argv[1], read_only=True)
    print(json.dumps(answer(con)), flush=True)
    for line in sys.stdin:
        if line.strip() == "reopen":
            con.close()
            con = duckdb.connect(sys.argv[1], read_only=True)
        print(json.dumps(answer(con)), flush=True)
    """
)


def test_a_reader_holding_the_warehouse_open_across_a_publish(
    home_copy, shared_data, prefect_server, model_dir, tmp_path
):
    warehouse = home_copy / "warehouse.duckdb"
    folder = copy_days(shared_data / "hf-daily-papers", [NEW_DAY], tmp_path / "input")
    old_ids = paper_ids(warehouse)
    new_ids = input_paper_ids(folder.glob("*.json")) - set(old_ids)
    assert new_ids

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )

    def ask(command: str = "again") -> dict:
        reader.stdin.write(command + "\n")
        reader.stdin.flush()
        return json.loads(reader.stdout.readline())

    try:
        first = json.loads(reader.stdout.readline())
        assert first["papers"] == len(old_ids)

        done = run_cli(["run", "--input", str(folder)], cli_env(
            home_copy, prefect_server.api_url, model_dir))
        assert done.returncode == 0, done.stdout + done.stderr  # the reader did not block it
        run_id = re.search(r"run (\S+): published", done.stdout).group(1)
        assert run_id in published_runs(warehouse)

        # the open connection keeps answering, from the snapshot it opened
        assert ask() == first
        # a fresh connection sees the new publish
        after = ask("reopen")
        assert after["papers"] == len(old_ids) + len(new_ids)
        assert run_id in after["runs"] and run_id not in first["runs"]
        assert after["keywords"] > first["keywords"]
    finally:
        reader.stdin.close()
        assert reader.wait(timeout=30) == 0
