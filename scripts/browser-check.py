#!/usr/bin/env python3
"""Loads a page in headless Chromium and checks it, through the DevTools protocol (Python's
standard library only: a minimal WebSocket client over `socket`).

Fails (exit 1, one line per problem) when the page does not load, when anything is written to
the console as an error or warning (including blocked or failed loads and script errors), when
the page asks for anything but its own file, when it holds a <script> element, or when a <svg>
element renders with zero width or height, or there are fewer <svg> elements than
--min-figures. Writes a full-page PNG screenshot (--screenshot) and prints the page to PDF to
count its pages (--pdf). Exit 2 when Chromium cannot be started.

Usage: browser-check.py PAGE [--chromium BIN] [--screenshot PNG] [--width W] [--max-height H]
                        [--offset Y] [--scale S] [--media print] [--min-figures N] [--pdf PDF]
"""

import argparse
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse


class WebSocket:
    """A WebSocket client (RFC 6455) for one text-message connection: enough for DevTools."""

    def __init__(self, url, timeout=60):
        parts = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the DevTools endpoint closed during the handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise ConnectionError(f"WebSocket handshake refused: {status.decode(errors='replace')}")

    def _read(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(max(65536, count - len(self.buffer)))
            if not chunk:
                raise ConnectionError("the DevTools connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def _frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        length = len(payload)
        if length < 126:
            header += bytes([0x80 | length])
        elif length < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", length)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", length)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send(self, text):
        self._frame(0x1, text.encode())

    def receive(self):
        """The next text message (continuation frames joined; pings answered)."""
        message = b""
        while True:
            first, second = self._read(2)
            fin, opcode = first & 0x80, first & 0x0F
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if second & 0x80 else None
            payload = self._read(length)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:
                raise ConnectionError("the DevTools connection was closed by the browser")
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode in (0x1, 0x2, 0x0):
                message += payload
                if fin:
                    return message.decode()

    def close(self):
        try:
            self._frame(0x8, b"")
            self.sock.close()
        except OSError:
            pass


class DevTools:
    """Commands and events over one browser connection, with one attached page session."""

    def __init__(self, socket_):
        self.ws = socket_
        self.next_id = 0
        self.events = []
        self.session = None

    def call(self, method, params=None, session=True, timeout=60):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.time() + timeout
        while time.time() < deadline:
            reply = json.loads(self.ws.receive())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)
        raise TimeoutError(f"{method}: no answer in {timeout} s")

    def wait_for(self, method, timeout=60):
        for event in self.events:
            if event["method"] == method:
                return event
        deadline = time.time() + timeout
        while time.time() < deadline:
            reply = json.loads(self.ws.receive())
            if "method" in reply:
                self.events.append(reply)
                if reply["method"] == method:
                    return reply
        raise TimeoutError(f"no {method} in {timeout} s")

    def drain(self, seconds):
        """Collects the events that arrive within `seconds`."""
        self.ws.sock.settimeout(seconds)
        try:
            while True:
                reply = json.loads(self.ws.receive())
                if "method" in reply:
                    self.events.append(reply)
        except (socket.timeout, TimeoutError):
            pass
        finally:
            self.ws.sock.settimeout(60)


# What the page is asked for once loaded: sizes of the figures and a few facts. Evaluated
# through the protocol; the page itself holds no script.
MEASURE = """JSON.stringify({
  title: document.title,
  scripts: document.querySelectorAll('script').length,
  svgs: Array.from(document.querySelectorAll('svg')).map(s => {
    const r = s.getBoundingClientRect();
    return {w: r.width, h: r.height, title: (s.querySelector('title') || {}).textContent || ''};
  }),
  tables: document.querySelectorAll('table').length,
  width: document.documentElement.scrollWidth,
  height: document.documentElement.scrollHeight
})"""


def start_chromium(binary, width, height):
    profile = tempfile.mkdtemp(prefix="taboo-browser-")
    process = subprocess.Popen(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0", f"--user-data-dir={profile}",
         f"--window-size={width},{height}", "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(profile, "chromium.log"), "w"))
    port_file = os.path.join(profile, "DevToolsActivePort")
    for _ in range(300):
        if os.path.exists(port_file):
            lines = open(port_file).read().split()
            if len(lines) >= 2:
                return process, profile, f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        if process.poll() is not None:
            break
        time.sleep(0.1)
    log = open(os.path.join(profile, "chromium.log")).read()[-400:]
    process.kill()
    shutil.rmtree(profile, ignore_errors=True)
    raise RuntimeError(f"chromium did not open its DevTools port: {log.strip()}")


def check(args):
    page = os.path.abspath(args.page)
    if not os.path.isfile(page):
        print(f"browser-check: FAIL: no page at {page}")
        return 1
    url = "file://" + urllib.parse.quote(page)
    try:
        process, profile, endpoint = start_chromium(args.chromium, args.width, 900)
    except (OSError, RuntimeError) as error:
        print(f"browser-check: cannot start chromium: {error}")
        return 2
    problems = []
    try:
        tools = DevTools(WebSocket(endpoint))
        target = tools.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        tools.session = tools.call(
            "Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            tools.call(f"{domain}.enable")
        tools.call("Emulation.setDeviceMetricsOverride",
                   {"width": args.width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        if args.media:
            tools.call("Emulation.setEmulatedMedia", {"media": args.media})
        started = time.time()
        navigation = tools.call("Page.navigate", {"url": url})
        if navigation.get("errorText"):
            problems.append(f"the page did not load: {navigation['errorText']}")
        tools.wait_for("Page.loadEventFired", timeout=60)
        load_seconds = time.time() - started
        tools.drain(1.0)
        facts = json.loads(tools.call("Runtime.evaluate", {"expression": MEASURE, "returnByValue": True})
                           ["result"]["value"])

        for event in tools.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                problems.append(f"console {params['type']}: {text}")
            elif method == "Runtime.exceptionThrown":
                problems.append(f"script error: {params['exceptionDetails'].get('text')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                entry = params["entry"]
                problems.append(f"console {entry['level']} ({entry['source']}): {entry['text']}")
            elif method == "Network.requestWillBeSent":
                requested = params["request"]["url"]
                if requested != url and not requested.startswith("about:"):
                    problems.append(f"the page requested {requested}")
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                problems.append(f"a load failed: {params.get('errorText')}")

        if facts["scripts"]:
            problems.append(f"the page holds {facts['scripts']} <script> element(s)")
        for index, svg in enumerate(facts["svgs"]):
            if not (svg["w"] > 0 and svg["h"] > 0):
                problems.append(f"figure {index + 1} ({svg['title']!r}) renders at {svg['w']}×{svg['h']} px")
        if len(facts["svgs"]) < args.min_figures:
            problems.append(f"{len(facts['svgs'])} <svg> elements, expected at least {args.min_figures}")
        if facts["width"] > args.width + 1:
            problems.append(f"the page is {facts['width']} px wide in a {args.width} px window")

        if args.screenshot:
            top = min(args.offset, max(int(facts["height"]) - 1, 0))
            height = min(int(facts["height"]) - top, args.max_height)
            shot = tools.call("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": top, "width": args.width, "height": height, "scale": args.scale}})
            with open(args.screenshot, "wb") as out:
                out.write(base64.b64decode(shot["data"]))
        pages = None
        if args.pdf:
            pdf = base64.b64decode(tools.call("Page.printToPDF", {"printBackground": False}, timeout=120)["data"])
            with open(args.pdf, "wb") as out:
                out.write(pdf)
            pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
            if pages < 1:
                problems.append("printing gave no page")
        tools.ws.close()
    except (OSError, RuntimeError, TimeoutError, ConnectionError, KeyError, ValueError) as error:
        problems.append(f"the DevTools session failed: {error}")
        facts, load_seconds, pages = None, 0, None
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)

    if facts:
        sizes = ", ".join(f"{s['w']:.0f}×{s['h']:.0f}" for s in facts["svgs"])
        print(f"browser-check: loaded {os.path.basename(page)} in {load_seconds:.2f} s: "
              f"{len(facts['svgs'])} figures ({sizes}), {facts['tables']} tables, "
              f"page {facts['width']}×{facts['height']} px"
              + (f", {pages} printed pages" if pages is not None else ""))
    for problem in problems:
        print(f"browser-check: FAIL: {problem}")
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--screenshot")
    parser.add_argument("--pdf")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--max-height", type=int, default=16000, help="screenshot height at most (px)")
    parser.add_argument("--offset", type=int, default=0, help="screenshot from this height down (px)")
    parser.add_argument("--scale", type=float, default=1, help="screenshot scale (0.5: half the pixels)")
    parser.add_argument("--media", help="emulate this CSS media type (print) for the screenshot")
    parser.add_argument("--min-figures", type=int, default=0)
    sys.exit(check(parser.parse_args()))


if __name__ == "__main__":
    main()
