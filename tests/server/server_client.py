"""Helpers for the qwenvl-server tests: start a server on a free port, talk to it with the
standard library only (http.client), read server-sent events."""
import base64
import http.client
import json
import os
import re
import subprocess
import threading
import time

SERVING = re.compile(r"serving '([^']*)' \(.*\) on http://([^:]+):(\d+)")


class Server:
    """qwenvl-server as a child process; its stderr (the access log) is collected in `lines`."""

    def __init__(self, binary, model, *extra, env=None):
        self.proc = subprocess.Popen([binary, "--model", model, "--port", "0", "--threads", "2", *extra],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self.lines = []
        self.cond = threading.Condition()
        self.port = None
        self.name = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        with self.cond:
            if not self.cond.wait_for(lambda: self.port is not None or self.proc.poll() is not None, 300):
                raise RuntimeError("qwenvl-server did not start")
        if self.port is None:
            raise RuntimeError("qwenvl-server exited: " + "".join(self.lines))

    def _read(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace")
            with self.cond:
                self.lines.append(line)
                m = SERVING.search(line)
                if m:
                    self.name, self.port = m.group(1), int(m.group(3))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def log_records(self):
        with self.cond:
            out = []
            for line in self.lines:
                if line.startswith("{"):
                    out.append(json.loads(line))
            return out

    def wait_log(self, predicate, timeout=300):
        with self.cond:
            ok = self.cond.wait_for(lambda: any(predicate(json.loads(l)) for l in self.lines if l.startswith("{")),
                                    timeout)
        if not ok:
            raise AssertionError("no such access-log line; log:\n" + "".join(self.lines))

    def conn(self, timeout=600):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, raw_body=None):
        c = self.conn()
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else None)
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        payload = r.read()
        c.close()
        try:
            return r.status, json.loads(payload)
        except ValueError:
            return r.status, payload

    def chat(self, body, headers=None):
        return self.request("POST", "/v1/chat/completions", body, headers)

    def stream(self, body, headers=None):
        """Returns (status, events): events are the parsed JSON of each `data:` line, then "[DONE]"."""
        c = self.conn()
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        c.request("POST", "/v1/chat/completions", body=json.dumps(dict(body, stream=True)).encode(), headers=h)
        r = c.getresponse()
        if r.status != 200:
            payload = r.read()
            c.close()
            return r.status, json.loads(payload)
        assert r.getheader("Content-Type") == "text/event-stream", r.getheader("Content-Type")
        events = []
        buf = b""
        while True:
            chunk = r.read1(65536) if hasattr(r, "read1") else r.read(1)
            if not chunk:
                break
            buf += chunk
            while b"\n\n" in buf:
                event, buf = buf.split(b"\n\n", 1)
                for line in event.split(b"\n"):
                    if line.startswith(b"data: "):
                        data = line[6:].decode()
                        events.append(data if data == "[DONE]" else json.loads(data))
        c.close()
        return 200, events

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        rc = self.proc.wait(300)
        self.reader.join(10)
        return rc


def data_url(path):
    mime = "image/png" if path.endswith(".png") else "image/jpeg"
    with open(path, "rb") as f:
        return "data:%s;base64,%s" % (mime, base64.b64encode(f.read()).decode())


def image_part(path):
    return {"type": "image_url", "image_url": {"url": data_url(path)}}


def text_part(text):
    return {"type": "text", "text": text}


def joined_stream(events):
    text = ""
    for e in events:
        if e == "[DONE]":
            continue
        for ch in e.get("choices", []):
            text += ch["delta"].get("content", "") or ""
    return text
