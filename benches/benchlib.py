"""What the Python benchmarks share: building and starting the release server on 127.0.0.1 with
its first administrator signed in, calling its API, naming the machine, and writing a section of
BENCHMARKS.md in place."""
import json, os, platform, re, subprocess, time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


def build_release(*packages):
    args = ["cargo", "build", "--release"]
    for package in packages:
        args += ["-p", package]
    subprocess.run(args, cwd=ROOT, check=True)


def request(method, url, token=None, body=None, headers=None, raw=False, ctype="application/json"):
    """(status, headers, body bytes); raises urllib.error.HTTPError on 4xx/5xx and 304."""
    data = body if raw else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", ctype)
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    with urllib.request.urlopen(req) as response:
        return response.status, response.headers, response.read()


class Server:
    """The release server (or `binary`) on `port` with its data under `work`; `api` calls /api/v1
    as the admin."""

    def __init__(self, port, work, binary=None, extra_args=(), log=None):
        """`log`: a file (opened for appending) that gets the server's output; none by default."""
        self.port = port
        output = open(log, "ab") if log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [binary or os.path.join(TARGET, "release", "civicast-server"), "--bind", f"127.0.0.1:{port}",
             "--data-dir", os.path.join(work, "server"), *extra_args],
            stdout=output, stderr=output, env={**os.environ, "RUST_LOG": "warn"})
        password_file = os.path.join(work, "server", "initial-admin-password.txt")
        for _ in range(100):
            if os.path.exists(password_file):
                break
            time.sleep(0.1)
        time.sleep(0.5)
        self.admin = None
        self.admin = self.api("POST", "/auth/token", body={
            "email": "admin@civicast.local", "password": open(password_file).read().strip()})["token"]

    def url(self, path):
        return f"http://127.0.0.1:{self.port}/api/v1{path}"

    def api(self, method, path, token=None, body=None, raw=False, ctype="application/json"):
        _, _, text = request(method, self.url(path), token or self.admin, body, raw=raw, ctype=ctype)
        return json.loads(text) if text else None

    def stop(self):
        self.process.terminate()
        self.process.wait()


def machine():
    cpu = "unknown CPU"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}"


def write_section(heading, lines):
    """Replaces the section of BENCHMARKS.md under `## heading` (or adds it) and prints it."""
    section = [f"## {heading}", ""] + lines + [""]
    path = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(path).read()
    text = re.sub(r"## " + re.escape(heading) + r"\n.*?(?=\n## |\Z)", "", text, flags=re.S).rstrip()
    open(path, "w").write(text + "\n\n" + "\n".join(section).rstrip() + "\n")
    print("\n".join(section))
