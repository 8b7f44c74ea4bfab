"""Render an HTML report in headless Chromium and say what a person would see.

Talks the DevTools protocol over ``--remote-debugging-pipe`` (file descriptors 3 and 4, messages
separated by NUL bytes), so it needs no network port and no package beyond the standard library.

    python tests/browser.py report.html --screenshot report.png [--all]

prints a JSON object: script errors and console errors, keys, charts drawn, and timings
(``ready_ms``: from navigation start until the first visible charts are drawn, measured by the
page; ``load_ms``: until the load event; ``wall_s``: from the navigation request until ready).
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import json
import os
import pathlib
import queue
import shutil
import subprocess
import tempfile
import threading
import time


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class DevToolsPipe:
    """A headless Chromium and a DevTools connection to it over pipes."""

    def __init__(self, width: int, height: int):
        binary = chromium_path()
        if binary is None:
            raise FileNotFoundError("chromium is not installed (apt-get install -y chromium)")
        self._profile = tempfile.mkdtemp(prefix="histlog-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def remap() -> None:  # in the child: the browser reads fd 3 and writes fd 4
            # Move both ends above 4 first: a pipe end may already sit on 3 or 4.
            read_end = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--no-default-browser-check", f"--user-data-dir={self._profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=remap)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._next_id = 0
        self._replies: dict[int, queue.Queue] = {}
        self._lock = threading.Lock()
        self.events: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        reply = self._replies.pop(message["id"], None)
                    if reply is not None:
                        reply.put(message)
                else:
                    self.events.put(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60):
        with self._lock:
            self._next_id += 1
            message_id = self._next_id
            reply: queue.Queue = queue.Queue()
            self._replies[message_id] = reply
        message = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        answer = reply.get(timeout=timeout)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        shutil.rmtree(self._profile, ignore_errors=True)


def render(html: str | os.PathLike, screenshot: str | os.PathLike | None = None, *, width: int = 1400,
           height: int = 2000, draw_all: bool = False, probe: str | None = None, timeout: float = 60) -> dict:
    """Opens `html` and waits until its first visible charts are drawn (all of them with
    `draw_all`); returns errors, counts and timings, and saves a PNG screenshot when asked.
    `probe` is a JavaScript expression (a promise is awaited) evaluated once the page is ready,
    before the screenshot; its JSON-able value is returned as "probe"."""
    url = pathlib.Path(html).resolve().as_uri()
    browser = DevToolsPipe(width, height)
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            browser.call(f"{domain}.enable", session=session)
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)

        def evaluate(expression: str):
            result = browser.call("Runtime.evaluate",
                                  {"expression": expression, "returnByValue": True, "awaitPromise": True},
                                  session=session)
            if "exceptionDetails" in result:
                raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
            return result["result"].get("value")

        started = time.monotonic()
        browser.call("Page.navigate", {"url": url}, session=session)
        deadline = started + timeout
        ready = None
        while ready is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{html}: charts not drawn within {timeout} s")
            ready = evaluate("document.body && document.body.dataset.readyMs || null")
            if ready is None:
                time.sleep(0.01)
        wall = time.monotonic() - started
        draw_all_ms = None
        if draw_all:
            draw_all_ms = evaluate("(function () { const t = performance.now(); window.histlogReport.drawAll(); "
                                   "window.scrollTo(0, 0); return performance.now() - t; })()")
        probed = evaluate(probe) if probe is not None else None
        timing = evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])")
        navigation = json.loads(timing) if timing else {}
        info = {
            "keys": int(evaluate("Number(document.body.dataset.keys)")),
            "cards": int(evaluate("document.querySelectorAll('.card').length")),
            "charts": int(evaluate("document.querySelectorAll('.chart svg').length")),
            "findings": int(evaluate("document.querySelectorAll('#findings .sev').length")),
            "page_errors": int(evaluate("Number(document.body.dataset.errors)")),
            "ready_ms": float(ready),
            "load_ms": float(navigation.get("loadEventEnd", 0.0)),
            "wall_s": round(wall, 3),
            "draw_all_ms": draw_all_ms,
            "probe": probed,
            "bytes": os.path.getsize(html),
        }
        if screenshot is not None:
            time.sleep(0.2)  # let the last drawn charts reach the compositor
            shot = browser.call("Page.captureScreenshot", {"format": "png"}, session=session)
            pathlib.Path(screenshot).write_bytes(base64.b64decode(shot["data"]))
        errors = []
        while not browser.events.empty():
            event = browser.events.get()
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("exception", {}).get("description")
                              or params["exceptionDetails"].get("text"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                errors.append(params["entry"].get("text"))
        info["errors"] = errors
        return info
    finally:
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html")
    parser.add_argument("--screenshot")
    parser.add_argument("--all", action="store_true", help="draw every chart, not only the visible ones")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=2000)
    arguments = parser.parse_args()
    print(json.dumps(render(arguments.html, arguments.screenshot, width=arguments.width, height=arguments.height,
                            draw_all=arguments.all), indent=2))


if __name__ == "__main__":
    main()
