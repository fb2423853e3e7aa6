#!/usr/bin/python3
"""portal_browser.py - drives the operator portal in headless Chromium
(Debian's chromium, driven over its DevTools pipe by tests/lib/cdp.py,
standard library only) for portal_browser_test.sh. One run is one phase; each signs in afresh
through the form, as an operator's browser would.

  portal_browser.py URL TOKEN_FILE SHOTS_DIR signin
      refused without a session (the sign-in form), refused with a wrong
      token, signed in with the right one; the overview then shows every
      peer up, the hostile member name and mirror URL as text (no element
      of theirs in the page); screenshots of the overview, statistics and
      drill report pages
  portal_browser.py URL TOKEN_FILE SHOTS_DIR cycle PEER CTL DOWN_MS UP_MS
      signs in and waits until PEER is up, then creates CTL/ready-down
      and waits for CTL/killed (the test script kills PEER and writes the
      time, Unix ms, into it); reloads the overview until PEER's row says
      down, and fails when that takes longer than DOWN_MS after the kill;
      then the same for the restart (CTL/ready-up, CTL/started, UP_MS).
      Prints each time and keeps a screenshot of each state.

Exits 0 when the phase passed, 1 when it failed (a Chromium that starts
and then fails is a failure), 77 (CTest's skip) only when there is no
Chromium binary to start. IG_CHROMIUM names another
Chromium binary (default /usr/bin/chromium).
"""
import atexit
import json
import os
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from cdp import Browser  # noqa: E402


def q(v):
    """A JavaScript string literal."""
    return json.dumps(v)


class Page:
    """The few element queries the test needs, as JavaScript."""

    def __init__(self, b):
        self.b = b

    def has(self, css):
        return bool(self.b.js("!!document.querySelector(%s)" % q(css)))

    def text(self, css):
        return self.b.js("(document.querySelector(%s) || {}).innerText "
                         "|| ''" % q(css)) or ""

    def attrs(self, css, name):
        return self.b.js("Array.from(document.querySelectorAll(%s))"
                         ".map(e => e.getAttribute(%s))" % (q(css), q(name)))

    def click_nav(self, css_or_expr, is_expr=False):
        """Clicks an element and waits for the page it leads to."""
        el = css_or_expr if is_expr else \
            "document.querySelector(%s)" % q(css_or_expr)
        self.b.mark()
        if not self.b.js("(function(){var e=%s; if(!e) return false;"
                         " e.click(); return true;})()" % el):
            raise RuntimeError("nothing to click: %s" % css_or_expr)
        self.b.loaded(30)

    def type(self, css, value):
        self.b.js("document.querySelector(%s).value = %s" % (q(css), q(value)))


def fail(msg, d=None, shots=None):
    print("FAIL: " + msg)
    if d is not None and shots is not None:
        try:
            d.b.screenshot(os.path.join(shots, "failure.png"))
            with open(os.path.join(shots, "failure.html"), "w") as f:
                f.write(d.b.html())
        except Exception:  # the failure itself is what matters
            pass
    sys.exit(1)


def sign_in(d, url, token, shots):
    d.b.goto(url + "/admin/portal/login")
    d.type("#token", token)
    d.click_nav("#signin")
    if not d.b.wait("!!document.getElementById('peers')", 30):
        fail("signing in did not lead to the overview", d, shots)


def peer_state(d, peer):
    return d.b.js("(Array.from(document.querySelectorAll('tr.peer'))"
                  ".find(r => r.getAttribute('data-peer') === %s) || "
                  "{getAttribute: () => null}).getAttribute('data-state')"
                  % q(peer))


def phase_signin(d, url, token, shots):
    # No session: the sign-in form, not the overview.
    d.b.goto(url + "/admin/portal")
    if d.has("#peers") or not d.has("#token"):
        fail("the overview was shown without a session", d, shots)
    # A wrong token.
    d.type("#token", "not-the-token-0123456789")
    d.click_nav("#signin")
    d.b.wait("!!document.getElementById('login-error')", 30)
    if d.has("#peers") or "Wrong token" not in d.b.html():
        fail("a wrong token was not refused", d, shots)
    # The right one.
    sign_in(d, url, token, shots)
    # Every peer up (they were started before).
    deadline = time.time() + 60
    while True:
        states = d.attrs("tr.peer", "data-state")
        if len(states) == 2 and all(s == "up" for s in states):
            break
        if time.time() > deadline:
            fail("peers not all up on the overview: %s" % states, d, shots)
        time.sleep(0.5)
        d.b.reload()
    # The hostile member name and mirror URL are text, not markup.
    if d.has("#injected") or d.has("#members img, #mirrors img, #mirrors b"):
        fail("a member-controlled value became markup", d, shots)
    members = d.text("#members")
    if '<img id="injected"' not in members:
        fail("the hostile member name is not shown as text: %r" % members,
             d, shots)
    deadline = time.time() + 60
    while "onmouseover" not in d.text("#mirrors"):
        if time.time() > deadline:
            fail("the mirror listed by node2 never showed", d, shots)
        time.sleep(0.5)
        d.b.reload()
    if any(a is not None for a in d.attrs("#mirrors *", "onmouseover")):
        fail("a mirror URL injected an attribute", d, shots)
    for s in ("root-serial", "evidence"):
        if not d.has("#" + s):
            fail("no #%s on the overview" % s, d, shots)
    d.b.screenshot(os.path.join(shots, "portal-overview.png"))
    # Statistics: a chart drawn on the server.
    d.b.goto(url + "/admin/portal/stats")
    # the test's 7 verifications (not valid): red bars of 7 in all (in
    # one hour, or two when they straddled one), and their outcome in
    # the table
    bars = d.b.js("Array.from(document.querySelectorAll('svg#chart rect'))"
                  ".map(r => [(r.querySelector('title') || {}).textContent"
                  " || '', r.getAttribute('height')])")
    bad = 0
    for t, h in bars:
        if t.endswith(" not valid"):
            n = int(t.split()[0])
            if n > 0 and float(h) <= 0:
                fail("a bar of %d has no height" % n, d, shots)
            bad += n
    if bad != 7:
        fail("the chart shows %d not valid, not 7" % bad, d, shots)
    outcomes = d.text("#outcomes")
    if "malformed" not in outcomes or "7" not in outcomes:
        fail("the outcomes table: %r" % outcomes, d, shots)
    d.b.screenshot(os.path.join(shots, "portal-stats.png"))
    # Drill reports: the fixture run listed, its report opened.
    d.b.goto(url + "/admin/portal/drills")
    runs = d.attrs("tr.run", "data-run")
    if runs != ["run-2", "run-1", "run-0"]:
        fail("drill runs listed: %s" % runs, d, shots)
    if "no readable report.json" not in d.text("tr[data-run='run-0']"):
        fail("run-0's broken report.json not said", d, shots)
    if "3 of 4 met" not in d.b.html():
        fail("the objectives' summary is missing", d, shots)
    d.b.screenshot(os.path.join(shots, "portal-drills.png"))
    d.click_nav("Array.from(document.querySelectorAll('a')).find("
                "a => a.textContent.trim() === 'run-2')", is_expr=True)
    if not d.b.wait("document.documentElement.outerHTML.indexOf("
                    "'Readiness report run-2') >= 0", 30):
        fail("the report did not open", d, shots)
    # The report runs sandboxed: its script did not run.
    if d.has("#report-script-ran"):
        fail("a script in a report ran", d, shots)
    d.b.screenshot(os.path.join(shots, "portal-report.png"))
    # Signing out ends the session.
    d.b.goto(url + "/admin/portal")
    d.click_nav("header form button")
    if not d.b.wait("!!document.getElementById('token')", 30):
        fail("signing out did not lead to the sign-in form", d, shots)
    d.b.goto(url + "/admin/portal")
    if d.has("#peers"):
        fail("the overview was shown after signing out", d, shots)
    print("signin: refused without a session and with a wrong token; "
          "overview, statistics, drill reports shown; hostile values "
          "escaped; signed out")
def wait_file(path, deadline_s, d, shots):
    """Waits for the test script's signal; returns the file's number."""
    deadline = time.time() + deadline_s
    while not os.path.exists(path):
        if time.time() > deadline:
            fail("no signal %s from the test script" % path, d, shots)
        time.sleep(0.05)
    time.sleep(0.05)  # (written with one echo)
    with open(path) as f:
        return int(f.read().strip())


def wait_state(d, shots, peer, state, since_ms, deadline_ms, name):
    while True:
        s = peer_state(d, peer)
        now_ms = int(time.time() * 1000)
        if s == state:
            break
        if now_ms - since_ms > deadline_ms:
            fail("%s not shown %s within %d ms (still %s)" %
                 (peer, state, deadline_ms, s), d, shots)
        time.sleep(0.2)
        d.b.reload()
    d.b.screenshot(os.path.join(shots, name + ".png"))
    print("%s shown %s %d ms after the signal (deadline %d ms)" %
          (peer, state, now_ms - since_ms, deadline_ms))


def phase_cycle(d, url, token, shots, peer, ctl, down_ms, up_ms):
    """Signed in first; then the script kills the peer (CTL/killed holds
    the time) and restarts it (CTL/started)."""
    sign_in(d, url, token, shots)
    wait_state(d, shots, peer, "up", int(time.time() * 1000), 60000,
               "portal-%s-before" % peer)
    open(os.path.join(ctl, "ready-down"), "w").close()
    t0 = wait_file(os.path.join(ctl, "killed"), 60, d, shots)
    wait_state(d, shots, peer, "down", t0, down_ms, "portal-%s-down" % peer)
    open(os.path.join(ctl, "ready-up"), "w").close()
    t1 = wait_file(os.path.join(ctl, "started"), 60, d, shots)
    wait_state(d, shots, peer, "up", t1, up_ms, "portal-%s-back" % peer)


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        sys.exit(2)
    url, token_file, shots, phase = sys.argv[1:5]
    with open(token_file) as f:
        token = f.readline().strip()
    os.makedirs(shots, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="portal-chromium-")
    atexit.register(shutil.rmtree, profile, True)
    b = Browser(os.environ.get("IG_CHROMIUM", "/usr/bin/chromium"),
                ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--user-data-dir=" + profile, "--no-first-run",
                 "--disable-extensions", "--disable-background-networking"])
    try:
        b.start()
    except Browser.StartError as e:
        print("SKIP: no Chromium here (%s); the portal's "
              "browser test did not run" % str(e).splitlines()[0])
        b.close()
        sys.exit(77)
    d = Page(b)
    try:
        if phase == "signin":
            phase_signin(d, url, token, shots)
        elif phase == "cycle":
            phase_cycle(d, url, token, shots, sys.argv[5], sys.argv[6],
                        int(sys.argv[7]), int(sys.argv[8]))
        else:
            fail("unknown phase " + phase)
    except (RuntimeError, TimeoutError, OSError) as e:
        fail("the browser: %s" % e, d, shots)
    finally:
        b.close()


if __name__ == "__main__":
    main()
