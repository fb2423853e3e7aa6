#!/usr/bin/env python3
"""cdp.py - drives headless Chromium over the DevTools protocol on a pipe
(--remote-debugging-pipe: JSON messages ending in NUL on descriptors 3
and 4, no WebSocket, nothing but the standard library), for the browser
tests of the pages (tests/integration/vpage, tests/integration/portal).
As a module: Browser (start, goto, js, wait, screenshot, close). As a
program, for vpage_test.sh:

  cdp.py --chrome PATH --url URL --until JS --timeout S --dom FILE
         --screenshot FILE [--width W --height H] [-- CHROME_FLAGS...]

Opens URL in a phone-sized viewport (412 x 915 unless told), evaluates the JavaScript expression JS every 100 ms until it
gives a non-empty string (or the timeout passes), then writes the page's
DOM to FILE and a PNG screenshot. Prints the expression's last value.
Exit 0 when it became non-empty, 1 on the timeout, 2 when Chromium
could not be started or exited (the message says why), 3 when it started
but did not answer a command in time (90 s for the first, which covers a
slow start on a loaded machine).
"""
import argparse
import base64
import fcntl
import json
import os
import select
import subprocess
import sys
import time


class Pipe:
    def __init__(self, proc, wfd, rfd):
        self.proc, self.w, self.r = proc, wfd, rfd
        self.buf = b""
        self.next_id = 0

    def send(self, method, params, deadline, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self.recv(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})

    def recv(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)


class Browser:
    """One headless Chromium with one page. start() raises StartError
    when there is no Chromium to start (the callers' skip); a Chromium
    that starts and then fails or does not answer raises RuntimeError or
    TimeoutError (a failure)."""

    class StartError(Exception):
        pass

    def __init__(self, chrome, flags=(), width=1280, height=1100):
        self.chrome, self.flags = chrome, list(flags)
        self.width, self.height = width, height
        self.proc = self.p = self.s = None

    def start(self):
        # Chromium reads our commands on its fd 3 and answers on its
        # fd 4. os.pipe() descriptors are not inherited (PEP 446); the
        # copies that child_fds makes as 3 and 4 are, and close_fds=False
        # keeps them (subprocess would close them after child_fds).
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()

        def child_fds():
            # Through copies above 9, so that neither end is overwritten
            # by the other's dup2, and dup2 of a descriptor onto itself
            # (which keeps it close-on-exec) cannot happen.
            r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)

        try:
            self.proc = subprocess.Popen(
                [self.chrome, "--headless=new", "--remote-debugging-pipe"]
                + self.flags + ["about:blank"],
                stdin=subprocess.DEVNULL, preexec_fn=child_fds,
                close_fds=False)
        except OSError as e:
            raise Browser.StartError("cannot start %s: %s" %
                                     (self.chrome, e))
        finally:
            os.close(to_chrome_r)
            os.close(from_chrome_w)
        self.p = Pipe(self.proc, to_chrome_w, from_chrome_r)
        start = time.monotonic() + 90  # startup: its own allowance
        t = self.p.send("Target.createTarget", {"url": "about:blank"},
                        deadline=start)
        self.s = self.p.send("Target.attachToTarget",
                             {"targetId": t["targetId"], "flatten": True},
                             deadline=start)["sessionId"]
        self.cmd("Emulation.setDeviceMetricsOverride",
                 {"width": self.width, "height": self.height,
                  "deviceScaleFactor": 1,
                  "mobile": self.width < 600}, 90)

    def cmd(self, method, params=None, timeout=30):
        return self.p.send(method, params, session=self.s,
                           deadline=time.monotonic() + timeout)

    def js(self, expr, timeout=30):
        """The value of a JavaScript expression (returned by value)."""
        r = self.cmd("Runtime.evaluate",
                     {"expression": expr, "returnByValue": True}, timeout)
        if "exceptionDetails" in r:
            raise RuntimeError("script error in %r: %s" %
                               (expr, r["exceptionDetails"].get("text")))
        return r.get("result", {}).get("value")

    def wait(self, expr, timeout):
        """Polls expr every 100 ms until it is truthy; its value, or
        None after timeout seconds."""
        end = time.monotonic() + timeout
        while True:
            try:
                v = self.js(expr)
            except RuntimeError:  # a page being replaced
                v = None
            if v:
                return v
            if time.monotonic() > end:
                return None
            time.sleep(0.1)

    def loaded(self, timeout=30):
        """Waits until a new document (one without our mark) is loaded;
        call mark() before the action that navigates."""
        if not self.wait("window.__ig_mark === undefined && "
                         "document.readyState === 'complete'", timeout):
            raise TimeoutError("the page did not load in %d s" % timeout)

    def mark(self):
        self.js("window.__ig_mark = 1")

    def goto(self, url, timeout=30):
        self.mark()
        self.cmd("Page.navigate", {"url": url}, timeout)
        self.loaded(timeout)

    def reload(self, timeout=30):
        self.mark()
        self.cmd("Page.reload", {}, timeout)
        self.loaded(timeout)

    def html(self):
        return self.js("document.documentElement.outerHTML") or ""

    def screenshot(self, path):
        r = self.cmd("Page.captureScreenshot", {"format": "png"})
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def close(self):
        if self.proc is None:
            return
        try:
            if self.p is not None:
                self.p.send("Browser.close", {},
                            deadline=time.monotonic() + 5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chrome", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--until", required=True)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--dom")
    ap.add_argument("--screenshot")
    ap.add_argument("--width", type=int, default=412)
    ap.add_argument("--height", type=int, default=915)
    ap.add_argument("flags", nargs="*")
    a = ap.parse_args()

    b = Browser(a.chrome, a.flags, a.width, a.height)
    value = ""
    rc = 1
    try:
        b.start()
        b.cmd("Page.navigate", {"url": a.url}, 90)
        value = b.wait(a.until, a.timeout) or ""
        if not isinstance(value, str):
            value = ""
        rc = 0 if value else 1
        if a.dom:
            with open(a.dom, "w", encoding="utf-8") as f:
                f.write(b.html())
        if a.screenshot:
            b.screenshot(a.screenshot)
    except Browser.StartError as e:
        print("chromium: %s" % e, file=sys.stderr)
        rc = 2
    except TimeoutError as e:
        # Started, but too slow to answer: a failure, not a skip.
        print("chromium: %s" % e, file=sys.stderr)
        rc = 3
    except (RuntimeError, OSError, KeyError) as e:
        print("chromium: %s" % e, file=sys.stderr)
        rc = 2
    finally:
        b.close()
    print(value)
    return rc


if __name__ == "__main__":
    sys.exit(main())
