"""Execute one notebook headless with nbclient, keeping outputs the Deno kernel sends late.

Deno's Jupyter kernel can publish a cell's execute_result after the cell's `idle` status; plain
nbclient stops listening at `idle` and loses it (seen here on about 1 run in 4). This client keeps
reading the cell's IOPub messages for a short grace period after `idle`. Display updates
(update_display_data, e.g. a live progress display) are also recorded in the cell's metadata.

Usage: python3 _execute_notebook.py IN.ipynb OUT.ipynb [TIMEOUT_SECONDS]
"""
import os
import queue
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError
from nbclient.util import ensure_async

GRACE_SECONDS = 0.25
LATE_TYPES = {"execute_result", "display_data", "stream", "error", "update_display_data"}
# A live display (a progress display) updates its output in place, so the executed copy would
# keep only its last state: each update's text is also kept in the cell's metadata
# (`edge_bench.display_updates`, at most this many per cell) to show what the run displayed.
MAX_KEPT_UPDATES = 1000


class DrainingClient(NotebookClient):
    def process_message(self, msg, cell, cell_index):
        if msg["msg_type"] == "update_display_data":
            content = msg["content"]
            meta = cell.setdefault("metadata", {}).setdefault("edge_bench", {})
            kept = meta.setdefault("display_updates", [])
            if len(kept) < MAX_KEPT_UPDATES:
                kept.append({
                    "display_id": content.get("transient", {}).get("display_id"),
                    "text": content.get("data", {}).get("text/plain", ""),
                })
        return super().process_message(msg, cell, cell_index)

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=GRACE_SECONDS))
            except queue.Empty:
                return
            if msg["parent_header"].get("msg_id") == parent_msg_id and msg["msg_type"] in LATE_TYPES:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    pass


def main():
    source, target = sys.argv[1], sys.argv[2]
    timeout = int(sys.argv[3]) if len(sys.argv) > 3 else 1200
    nb = nbformat.read(source, as_version=4)
    client = DrainingClient(
        nb, timeout=timeout, kernel_name="deno",
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        nbformat.write(nb, target)
        print(str(error), file=sys.stderr)
        sys.exit(1)
    nbformat.write(nb, target)


if __name__ == "__main__":
    main()
