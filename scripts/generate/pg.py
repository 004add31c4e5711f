"""psql subprocesses: queries, and COPY streams that commit together.

Every stream is one `psql -f -` session fed on its standard input:
    BEGIN; SET session_replication_role = replica; COPY t (...) FROM STDIN;  <rows>  \\.
then `\\echo` of a marker, so the generator knows the COPY was accepted before anything commits. Only
when every stream has reached its marker are they all sent COMMIT (any failure: ROLLBACK everywhere).
"""

import os
import subprocess
import tempfile
import time

PSQL = os.environ.get("PSQL", "psql")
MARK = "__motcua_generate_copied__"


def run(url, sql, *, fields=False):
    """Runs sql, returns stdout (tuples only, unaligned, tab-separated when fields)."""
    args = [PSQL, url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"]
    if fields:
        args += ["-F", "\t"]
    p = subprocess.run(args + ["-c", sql], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"psql failed: {p.stderr.strip()}\n  while running: {sql[:300]}")
    return p.stdout


def rows(url, sql):
    out = run(url, sql, fields=True)
    return [line.split("\t") for line in out.splitlines() if line != ""]


def run_script(url, script):
    p = subprocess.run([PSQL, url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"], input=script,
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"psql failed: {p.stderr.strip()}")
    return p.stdout


class Stream:
    """One table's COPY (text format) in its own session and transaction."""

    def __init__(self, url, table, columns, out_dir=None):
        self.table = table
        self.columns = columns
        self.rows = 0
        self.bytes = 0
        self.buf = []
        self.started = time.monotonic()
        self.done_at = None
        self.proc = None
        self.file = None
        if out_dir is not None:
            self.file = open(os.path.join(out_dir, f"{table}.tsv"), "wb")
            return
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [PSQL, url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err)
        head = ("BEGIN;\nSET session_replication_role = replica;\nSET synchronous_commit = off;\n"
                "SET gin_pending_list_limit = '64MB';\n"
                f"COPY {table} ({', '.join(columns)}) FROM STDIN;\n")
        self._write(head.encode())

    def _write(self, b):
        try:
            if self.file is not None:
                self.file.write(b)
            else:
                self.proc.stdin.write(b)
        except BrokenPipeError:
            raise SystemExit(f"COPY into {self.table} failed: {self.error()}")

    def error(self):
        if self.proc is None:
            return ""
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.err.seek(0)
        return self.err.read().decode(errors="replace").strip()

    def add(self, line):
        buf = self.buf
        buf.append(line)
        if len(buf) >= 2048:
            self.flush()

    def flush(self):
        if self.buf:
            b = "".join(self.buf).encode()
            self.rows += len(self.buf)
            self.bytes += len(b)
            self._write(b)
            self.buf = []

    def finish_copy(self):
        """Ends the COPY data; returns once the server has accepted it (or raises)."""
        self.flush()
        if self.file is not None:
            self.file.close()
            self.done_at = time.monotonic()
            return
        self._write(f"\\.\n\\echo {MARK}\n".encode())
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().decode().strip()
        if line != MARK:
            raise SystemExit(f"COPY into {self.table} failed: {self.error()}")
        self.done_at = time.monotonic()

    def end(self, commit):
        if self.proc is None:
            return
        try:
            self.proc.stdin.write(b"COMMIT;\n" if commit else b"ROLLBACK;\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        rc = self.proc.wait()
        if commit and rc != 0:
            raise SystemExit(f"COMMIT of {self.table} failed: {self.error()}")

    def abort(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            self.proc.kill()
            self.proc.wait()
