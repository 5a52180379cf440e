"""Serve NetwerkAtlas to many users: N Streamlit replicas behind HAProxy, static files from nginx.

``make serve`` runs ``python scripts/serve/serve.py`` (``REPLICAS=n``, default one per core;
``PORT``, default 8501). Each replica is a ``streamlit run app.py`` on a loopback port. HAProxy
(Debian's package) owns the one public port: it routes ``/static/`` and ``/app/static/`` to nginx
(Debian's package, loopback only), which serves Streamlit's hashed bundles and the vendored Leaflet
from disk with cache headers, and everything else (the page, ``/_stcore/stream`` WebSockets,
uploads, media) to the replicas: least connections for a new visitor, then sticky by a cookie
(``NA_REPLICA``) because a Streamlit session lives in one process; health checks on
``/_stcore/health`` take a dead or hung replica out and ``option redispatch`` moves its visitors.

Why both: HAProxy does active health checks, cookie persistence and WebSocket tunnels out of the
box (open-source nginx has only passive checks); nginx serves files from disk with sendfile and
gzip, so the replicas' Python event loops never spend time on 5 MB of JavaScript per new visitor.

The replicas share one random cookie secret, so XSRF tokens of uploads stay valid when a visitor
is moved to another replica. Ctrl-C or SIGTERM stops every process this started (and only those);
if the proxy or all replicas die, the launcher stops too.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import streamlit.file_util

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
COOKIE = "NA_REPLICA"
MIME_TYPES = Path("/etc/nginx/mime.types")


class _Config(string.Template):
    """``@{name}`` placeholders: ``$`` and braces belong to nginx and HAProxy themselves."""

    delimiter = "@"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 1.0) -> bool:
    """Whether ``url`` answers 200 with body ``ok``."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except OSError:
        return False


@dataclass
class Replica:
    """One ``streamlit run app.py`` process on a loopback port."""

    name: str
    port: int
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """The processes of one ``serve`` run; :meth:`stop` ends exactly these."""

    replicas: list[Replica]
    port: int
    bind: str
    run_dir: Path
    static_port: int = 0
    procs: list[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.bind in ("0.0.0.0", "::", "") else self.bind
        return f"http://{host}:{self.port}"

    def _spawn(self, cmd: list[str], **kw) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, **kw)
        self.procs.append(proc)
        return proc

    def start_replicas(self, log: Path | None) -> None:
        """Start every replica with the repository as working directory (so ``.streamlit`` applies)."""
        env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
        for r in self.replicas:
            out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
            r.proc = self._spawn(
                [
                    sys.executable, "-m", "streamlit", "run", "app.py",
                    "--server.address", "127.0.0.1",
                    "--server.port", str(r.port),
                    "--server.headless", "true",
                    "--server.fileWatcherType", "none",
                    "--browser.gatherUsageStats", "false",
                ],
                env={**env, "NETWERKATLAS_REPLICA": r.name},
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait_replicas(self, timeout: float) -> None:
        """Wait until every replica answers its health check (raise if one exits or times out)."""
        deadline = time.monotonic() + timeout
        waiting = list(self.replicas)
        while waiting:
            for r in list(waiting):
                if r.proc and r.proc.poll() is not None:
                    raise RuntimeError(f"replica {r.name} exited with {r.proc.returncode} while starting")
                if healthy(r.url + "/_stcore/health"):
                    waiting.remove(r)
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"replicas not healthy after {timeout:.0f} s: {[r.name for r in waiting]}")
            time.sleep(0.1)

    def warm(self) -> None:
        """Run the app once in each replica (``scripts/warmup.py``): first visitors find warm caches."""
        for r in self.replicas:
            self._spawn([sys.executable, str(ROOT / "scripts" / "warmup.py"), str(r.port)])

    def render(self) -> tuple[Path, Path]:
        """Write the nginx and HAProxy configurations into the run folder."""
        servers = "\n".join(
            f"    server {r.name} 127.0.0.1:{r.port} check cookie {r.name}" for r in self.replicas
        )
        values = {
            "run_dir": str(self.run_dir),
            "bind": self.bind,
            "port": str(self.port),
            "cookie": COOKIE,
            "servers": servers,
            "static_port": str(self.static_port),
            "mime_types": str(MIME_TYPES),
            "streamlit_static": streamlit.file_util.get_static_dir(),
            "app_static": str(ROOT / "static"),
        }
        out = []
        for name in ("nginx.conf", "haproxy.cfg"):
            text = _Config((HERE / f"{name}.in").read_text(encoding="utf-8")).substitute(values)
            path = self.run_dir / name
            path.write_text(text, encoding="utf-8")
            out.append(path)
        return out[0], out[1]

    def start_proxy(self, nginx_bin: str, haproxy_bin: str) -> None:
        """Check both configurations, then start nginx and HAProxy in the foreground (as children)."""
        nginx_conf, haproxy_cfg = self.render()
        nginx = [nginx_bin, "-p", str(self.run_dir), "-e", "stderr", "-c", str(nginx_conf)]
        haproxy = [haproxy_bin, "-W", "-db", "-f", str(haproxy_cfg)]
        subprocess.run([*nginx, "-t", "-q"], check=True, cwd=ROOT)
        subprocess.run([*haproxy, "-c", "-q"], check=True, cwd=ROOT)
        self._spawn(nginx)
        self._spawn(haproxy)

    def wait_public(self, timeout: float) -> None:
        """Wait until the public port answers the health check through HAProxy."""
        deadline = time.monotonic() + timeout
        while not healthy(self.url + "/_stcore/health"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"proxy not answering on {self.url} after {timeout:.0f} s")
            for p in self.procs[len(self.replicas) :]:
                if p.poll() is not None and p.args[0] != sys.executable:
                    raise RuntimeError(f"{Path(p.args[0]).name} exited with {p.returncode}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Terminate every process started here, newest first (proxy before replicas); kill stragglers."""
        for p in reversed(self.procs):
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    p.terminate()
        deadline = time.monotonic() + 10
        for p in reversed(self.procs):
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def watch(self) -> int:
        """Block while the proxy and at least one replica run; return an exit status when that ends."""
        proxies = [p for p in self.procs if p.args[0] != sys.executable]
        reported: set[str] = set()
        while True:
            for p in proxies:
                if p.poll() is not None:
                    print(f"serve: {Path(p.args[0]).name} exited with {p.returncode}; stopping", flush=True)
                    return 1
            for r in self.replicas:
                if r.proc and r.proc.poll() is not None and r.name not in reported:
                    reported.add(r.name)
                    print(f"serve: replica {r.name} exited with {r.proc.returncode}", flush=True)
            if len(reported) == len(self.replicas):
                print("serve: no replica left; stopping", flush=True)
                return 1
            time.sleep(0.5)


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Start the replicas and the proxy, print the address, and run until interrupted."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=int(os.environ.get("REPLICAS") or os.cpu_count() or 1))
    ap.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8501), help="public port")
    ap.add_argument("--bind", default=os.environ.get("BIND", "0.0.0.0"), help="public address")
    ap.add_argument("--replica-ports", help="comma-separated loopback ports (default: free ports)")
    ap.add_argument("--log", type=Path, help="append the replicas' output here (default: discarded)")
    ap.add_argument("--no-warm", action="store_true", help="do not run the app once in each replica")
    ap.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for start-up")
    args = ap.parse_args(argv)
    if args.replicas < 1:
        ap.error("--replicas must be at least 1")
    ports = [int(p) for p in args.replica_ports.split(",")] if args.replica_ports else []
    if ports and len(ports) != args.replicas:
        ap.error("--replica-ports needs one port per replica")
    nginx_bin, haproxy_bin = shutil.which("nginx") or "/usr/sbin/nginx", shutil.which("haproxy")
    if not Path(nginx_bin).exists() or not haproxy_bin or not MIME_TYPES.exists():
        print("serve: needs Debian's haproxy and nginx: apt-get install haproxy nginx", file=sys.stderr)
        return 2

    signal.signal(signal.SIGTERM, _raise_interrupt)
    run_dir = Path(tempfile.mkdtemp(prefix="netwerkatlas-serve-"))
    replicas = [Replica(f"r{i + 1}", ports[i] if ports else free_port()) for i in range(args.replicas)]
    cluster = Cluster(replicas, args.port, args.bind, run_dir, static_port=free_port())
    try:
        cluster.start_replicas(args.log)
        cluster.wait_replicas(args.timeout)
        cluster.start_proxy(nginx_bin, haproxy_bin)
        cluster.wait_public(args.timeout)
        if not args.no_warm:
            cluster.warm()
        print(
            f"serve: {args.replicas} replica(s) on "
            f"{', '.join(str(r.port) for r in replicas)} behind {cluster.url} (Ctrl-C stops all)",
            flush=True,
        )
        return cluster.watch()
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        cluster.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
        signal.signal(signal.SIGINT, signal.SIG_DFL)


if __name__ == "__main__":
    sys.exit(main())
