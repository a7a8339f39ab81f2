"""qwenvl-server on the loopback interface with the tiny checkpoint on the CPU: answers equal
qwenvl-cli's, streaming equals non-streaming, concurrent clients get their own answers, a client
that leaves mid-stream frees the engine, and every bad request gets its 4xx in the OpenAI shape.

usage: test_server.py SERVER CLI CHECKPOINT FIXTURES [unittest args]   (CTest passes them)"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from server_client import Server, image_part, joined_stream, text_part

SERVER, CLI, MODEL, FIXTURES = sys.argv[1:5]
IMAGES = os.path.join(FIXTURES, "images")
N = 8  # max_tokens: the tiny model never ends by itself, so every reply runs to the limit
SRV = None


def img(name):
    return os.path.join(IMAGES, name)


def cli(*args, stdin=None):
    p = subprocess.run([CLI, "chat", "--model", MODEL, "--greedy", "--threads", "2", *args], input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if p.returncode != 0:
        raise AssertionError("qwenvl-cli failed: " + p.stderr.decode("utf-8", "replace"))
    return p.stdout.decode("utf-8")


BOX_LINE = re.compile(r"^(box .* on '.*' \(\d+x\d+\):( \(-?\d+,-?\d+\))+|\(\d+ boxes, but no picture .*\))$")


def without_box_lines(out):
    """qwenvl-cli's streamed reply: its stdout without the final newline and the box lines."""
    lines = out.split("\n")
    assert lines[-1] == "", out
    lines.pop()
    while len(lines) > 1 and BOX_LINE.match(lines[-1]):
        lines.pop()
    return "\n".join(lines)


def cli_box_lines(choice, label):
    """What qwenvl-cli prints after a reply for its boxes, made from the API's parsed boxes."""
    out = ""
    for b in choice["qwenvl"]["boxes"]:
        w, h = b["picture_size"]
        out += "box %s on '%s' (%dx%d):" % (b["ref"] if b["ref"] is not None else "(unlabelled)", label, w, h)
        for x, y in b["points"]:
            out += " (%d,%d)" % (x, y)
        out += "\n"
    return out


def greedy(messages, **kw):
    body = {"model": SRV.name, "messages": messages, "temperature": 0, "max_tokens": N}
    body.update(kw)
    return body


class ServerTest(unittest.TestCase):
    maxDiff = None

    def ask(self, messages, **kw):
        status, body = SRV.chat(greedy(messages, **kw))
        self.assertEqual(status, 200, body)
        return body

    # --- the API answers as qwenvl-cli does -----------------------------------------------------

    def check_single_turn(self, images, text):
        parts = [image_part(i) for i in images] + [text_part(text)]
        body = self.ask([{"role": "user", "content": parts}])
        choice = body["choices"][0]
        self.assertEqual(choice["finish_reason"], "length")
        self.assertEqual(body["usage"]["completion_tokens"], N)
        img_args = [a for i in images for a in ("--image", i)]
        # Every generated piece as qwenvl-cli streams it, then its box lines.
        full = cli(*img_args, "--prompt", text, "--max-new", str(N))
        label = images[-1] if images else ""
        self.assertEqual(full, choice["qwenvl"]["raw_text"] + "\n" + cli_box_lines(choice, label))
        # The content is the official chat()'s reply: at the limit without the last token, stripped.
        shorter = cli(*img_args, "--prompt", text, "--max-new", str(N - 1))
        self.assertEqual(choice["message"]["content"], without_box_lines(shorter).strip())
        return body

    def test_text_only_equals_cli(self):
        self.check_single_turn([], "Tell me about rockets.")

    def test_one_picture_equals_cli(self):
        self.check_single_turn([img("astronaut.png")], "What is this?")

    def test_two_pictures_with_history_equal_cli(self):
        a, b = img("rocket.jpg"), img("chelsea.png")
        first = [{"role": "user", "content": [image_part(a), text_part("What is this?")]}]
        r1 = self.ask(first)
        c1 = r1["choices"][0]
        second = first + [{"role": "assistant", "content": c1["message"]["content"]},
                          {"role": "user", "content": [image_part(b), text_part("And this one?")]}]
        r2 = self.ask(second)
        c2 = r2["choices"][0]
        script = "/image %s\nWhat is this?\n/image %s\nAnd this one?\n/quit\n" % (a, b)
        out = cli("--max-new", str(N), stdin=script.encode())
        self.assertEqual(out, c1["qwenvl"]["raw_text"] + "\n" + cli_box_lines(c1, a) + c2["qwenvl"]["raw_text"] +
                         "\n" + cli_box_lines(c2, b))
        # The continuation reused the first turn's KV cache (its picture's 256 positions at least).
        self.assertGreater(r2["usage"]["prompt_tokens_details"]["cached_tokens"], 256)
        self.assertEqual(r2["usage"]["total_tokens"], r2["usage"]["prompt_tokens"] + N)

    def test_interleaved_conversations_keep_their_prefix(self):
        a1 = [{"role": "user", "content": [image_part(img("rocket.jpg")), text_part("Conversation A?")]}]
        b1 = [{"role": "user", "content": [image_part(img("coffee.png")), text_part("Conversation B?")]}]
        ra = self.ask(a1)
        self.ask(b1)
        a2 = a1 + [{"role": "assistant", "content": ra["choices"][0]["message"]["content"]},
                   {"role": "user", "content": "And then?"}]
        r = self.ask(a2)
        # B went to a session of its own: A's picture and first turn are still cached.
        self.assertGreaterEqual(r["usage"]["prompt_tokens_details"]["cached_tokens"], ra["usage"]["prompt_tokens"] - 1)

    def test_system_message_is_the_cli_system_prompt(self):
        body = self.ask([{"role": "system", "content": "You answer in one word."},
                         {"role": "user", "content": "Hello"}])
        out = cli("--system", "You answer in one word.", "--prompt", "Hello", "--max-new", str(N))
        self.assertEqual(out, body["choices"][0]["qwenvl"]["raw_text"] + "\n")

    # --- streaming ----------------------------------------------------------------------------------

    def test_stream_joins_to_the_answer(self):
        for messages in ([{"role": "user", "content": "Write a poem."}],
                         [{"role": "user", "content": [image_part(img("coffee.png")), text_part("Describe it.")]}]):
            plain = self.ask(messages, max_tokens=12)
            status, events = SRV.stream(greedy(messages, max_tokens=12, stream_options={"include_usage": True}))
            self.assertEqual(status, 200, events)
            self.assertEqual(events[-1], "[DONE]")
            self.assertEqual(events[0]["choices"][0]["delta"]["role"], "assistant")
            for e in events[:-1]:
                self.assertEqual(e["object"], "chat.completion.chunk")
            self.assertEqual(joined_stream(events), plain["choices"][0]["message"]["content"])
            final = [e for e in events[:-1] if e["choices"] and e["choices"][0]["finish_reason"]]
            self.assertEqual(len(final), 1)
            self.assertEqual(final[0]["choices"][0]["finish_reason"], "length")
            self.assertEqual(final[0]["choices"][0]["qwenvl"]["raw_text"], plain["choices"][0]["qwenvl"]["raw_text"])
            self.assertEqual(events[-2]["choices"], [])
            self.assertEqual(events[-2]["usage"]["completion_tokens"], 12)

    def test_stop_string_ends_the_reply(self):
        messages = [{"role": "user", "content": "Write a poem."}]
        full = self.ask(messages, max_tokens=12)["choices"][0]["qwenvl"]["raw_text"]
        words = full.strip().split()
        self.assertGreaterEqual(len(words), 2, full)
        stop = words[1][:3]
        cut = full.find(stop)
        body = self.ask(messages, max_tokens=12, stop=[stop])
        self.assertEqual(body["choices"][0]["finish_reason"], "stop")
        self.assertEqual(body["choices"][0]["message"]["content"], full[:cut].strip())
        status, events = SRV.stream(greedy(messages, max_tokens=12, stop=stop))
        self.assertEqual(joined_stream(events), full[:cut].strip())

    # --- many clients -------------------------------------------------------------------------------

    def test_eight_clients_three_requests_each(self):
        questions = ["Question %d: what is %d plus %d?" % (i, i, i + 3) for i in range(8)]
        expected = [self.ask([{"role": "user", "content": q}], max_tokens=6)["choices"][0]["message"]["content"]
                    for q in questions]
        self.assertGreaterEqual(len(set(expected)), 6, expected)  # mostly distinct, or the check proves little
        failures = []

        def client(i):
            try:
                for k in range(3):
                    body = greedy([{"role": "user", "content": questions[i]}], max_tokens=6)
                    if k == 1:
                        status, events = SRV.stream(body)
                        got = joined_stream(events) if status == 200 else events
                    else:
                        status, reply = SRV.chat(body)
                        got = reply["choices"][0]["message"]["content"] if status == 200 else reply
                    if status != 200 or got != expected[i]:
                        failures.append((i, k, status, got, expected[i]))
            except Exception as e:  # noqa: BLE001 - reported as this client's failure
                failures.append((i, repr(e)))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])

    def test_disconnect_mid_stream_frees_the_engine(self):
        before = SRV.request("GET", "/health")[1]["cancelled"]
        s = socket.create_connection(("127.0.0.1", SRV.port))
        body = json.dumps(greedy([{"role": "user", "content": "Tell me a very long story."}], max_tokens=4000,
                                 stream=True)).encode()
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body)
        got = b""
        while got.count(b'"content":') < 2:  # the role chunk, then text
            chunk = s.recv(4096)
            self.assertTrue(chunk, "the stream ended early")
            got += chunk
        s.close()
        # The engine is free again: the next request is answered, and the first one was cancelled.
        self.ask([{"role": "user", "content": "Hello again"}], max_tokens=4)
        SRV.wait_log(lambda r: r.get("client_gone") is True and r.get("completion_tokens", 4000) < 4000)
        self.assertEqual(SRV.request("GET", "/health")[1]["cancelled"], before + 1)

    # --- the other endpoints ------------------------------------------------------------------------

    def test_models_and_health(self):
        status, body = SRV.request("GET", "/v1/models")
        self.assertEqual(status, 200)
        self.assertEqual(body["object"], "list")
        self.assertEqual([m["id"] for m in body["data"]], [SRV.name])
        status, body = SRV.request("GET", "/health")
        self.assertEqual((status, body["status"]), (200, "ok"))


class LimitsTest(unittest.TestCase):
    """A second server with small limits, an API key and a picture folder."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.allowed = os.path.join(cls.tmp.name, "allowed")
        os.mkdir(cls.allowed)
        with open(img("rocket.jpg"), "rb") as f, open(os.path.join(cls.allowed, "rocket.jpg"), "wb") as g:
            g.write(f.read())
        os.symlink(img("chelsea.png"), os.path.join(cls.allowed, "escape.png"))
        cls.key = "test-key-123"
        cls.srv = Server(SERVER, MODEL, "--api-key", cls.key, "--max-queue", "1", "--max-pictures", "2",
                         "--max-body-mb", "2", "--max-picture-mb", "1", "--max-context", "600",
                         "--allow-files", cls.allowed)
        cls.auth = {"Authorization": "Bearer " + cls.key}

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        cls.tmp.cleanup()
        assert rc == 0, "SIGTERM must end the server with 0, not %r" % rc

    def body(self, content, **kw):
        b = {"model": self.srv.name, "messages": [{"role": "user", "content": content}], "temperature": 0,
             "max_tokens": 2}
        b.update(kw)
        return b

    def url_part(self, url):
        return {"type": "image_url", "image_url": {"url": url}}

    def refused(self, want_status, code, body=None, raw=None, path="/v1/chat/completions", method="POST"):
        status, reply = self.srv.request(method, path, body, self.auth, raw_body=raw)
        self.assertEqual(status, want_status, reply)
        self.assertIsInstance(reply, dict, reply)
        self.assertEqual(set(reply["error"]), {"message", "type", "param", "code"}, reply)
        self.assertTrue(reply["error"]["message"])
        if code is not None:
            self.assertEqual(reply["error"]["code"], code, reply)

    def test_bad_requests_get_openai_errors_and_the_server_keeps_serving(self):
        name = self.srv.name
        big_picture = "data:image/png;base64," + "A" * (1400 * 1024)
        allowed = "file://" + self.allowed
        cases = [
            (400, "invalid_json", None, b"{not json"),
            (400, "invalid_json", None, b"[1, 2]"),
            (400, None, {"messages": [{"role": "user", "content": "hi"}]}, None),  # no model
            (404, "model_not_found", dict(self.body("hi"), model="gpt-4"), None),
            (400, None, {"model": name, "messages": []}, None),
            (400, None, self.body("hi", temperature=9), None),
            (400, None, self.body("hi", max_tokens=0), None),
            (400, None, self.body("hi", n=2), None),
            (400, None, self.body("hi", stop=["a", "b", "c", "d", "e"]), None),
            (400, None, {"model": name, "messages": [{"role": "assistant", "content": "x"}]}, None),
            (400, None, {"model": name, "messages": [{"role": "wizard", "content": "x"}]}, None),
            (400, None, {"model": name, "messages": [{"role": "user", "content": "a"},
                                                      {"role": "user", "content": "b"}]}, None),
            (400, "invalid_image_url", self.body([self.url_part("data:image/png;base64,@@@")]), None),
            (400, "invalid_image", self.body([self.url_part("data:image/png;base64,aGVsbG8=")]), None),
            (400, "invalid_image", self.body([image_part(img("truncated.jpg"))]), None),
            (400, "invalid_image", self.body([image_part(img("not_an_image.jpg"))]), None),
            (400, "invalid_image_url", self.body([self.url_part("https://example.com/a.png")]), None),
            (400, "invalid_image_url", self.body([self.url_part("file:///etc/passwd")]), None),
            (400, "invalid_image_url", self.body([self.url_part(allowed + "/escape.png")]), None),
            (400, "invalid_image_url", self.body([self.url_part(allowed + "/../allowed/../../x/etc/passwd")]), None),
            (400, "too_many_pictures", self.body([image_part(img("rocket.jpg"))] * 3), None),
            (413, "picture_too_large", self.body([self.url_part(big_picture)]), None),
            (413, None, None, b'{"x": "' + b"a" * (3 << 20) + b'"}'),
            (400, "context_length_exceeded", self.body("word " * 700), None),
            (400, None, self.body("see <img>/etc/passwd</img>"), None),
            (400, None, {"model": name, "messages": [{"role": "user", "content": "a"},
                                                      {"role": "assistant", "content": "<img>img-0123</img>"},
                                                      {"role": "user", "content": "b"}]}, None),
        ]
        for want, code, body, raw in cases:
            with self.subTest(want=want, code=code, body=str(body)[:160], raw=(raw or b"")[:40]):
                self.refused(want, code, body, raw)
        self.refused(404, None, path="/v1/nothing", method="GET")
        # Still serving; and a picture from the allowed folder is read.
        status, reply = self.srv.chat(self.body([self.url_part(allowed + "/rocket.jpg"), text_part("What is this?")]),
                                      self.auth)
        self.assertEqual(status, 200, reply)
        self.assertGreater(reply["usage"]["prompt_tokens"], 256)

    def test_api_key(self):
        status, reply = self.srv.request("GET", "/v1/models")
        self.assertEqual(status, 401)
        self.assertEqual(reply["error"]["code"], "invalid_api_key")
        status, reply = self.srv.request("GET", "/v1/models", headers={"Authorization": "Bearer wrong"})
        self.assertEqual(status, 401)
        self.assertEqual(self.srv.request("GET", "/health")[0], 200)  # for load balancers
        self.assertEqual(self.srv.request("GET", "/v1/models", headers=self.auth)[0], 200)

    def test_full_queue_is_429(self):
        # One long reply runs, one request waits (--max-queue 1), the next is refused.
        s = socket.create_connection(("127.0.0.1", self.srv.port))
        body = json.dumps(self.body("Tell a long story.", max_tokens=300, stream=True)).encode()
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + self.key.encode() +
                  b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        self.assertTrue(s.recv(4096))  # streaming: it runs
        waiting = threading.Thread(target=lambda: self.srv.chat(self.body("hi"), self.auth))
        waiting.start()
        while self.srv.request("GET", "/health")[1]["queued"] < 1:
            time.sleep(0.01)
        self.refused(429, "queue_full", self.body("hi"))
        s.close()
        waiting.join()


if __name__ == "__main__":
    SRV = Server(SERVER, MODEL, "--max-context", "4096")
    try:
        result = unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[5:], exit=False).result
    finally:
        rc = SRV.stop()
    if rc != 0:
        print("qwenvl-server exited with %r after SIGTERM" % rc)
        sys.exit(1)
    sys.exit(0 if result.wasSuccessful() else 1)
