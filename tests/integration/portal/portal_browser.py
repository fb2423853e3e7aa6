#!/usr/bin/python3
"""portal_browser.py - drives the operator portal in headless Chromium
(Debian's chromium, chromium-driver and python3-selenium) for
portal_browser_test.sh. One run is one phase; each signs in afresh
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

Exits 0 when the phase passed, 1 when it failed, 77 (CTest's skip) only
when Chromium cannot be started at all. IG_CHROMIUM names another
Chromium binary (default /usr/bin/chromium).
"""
import atexit
import os
import shutil
import sys
import tempfile
import time

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError as e:  # the test's own dependency is missing
    print("FAIL: python3-selenium is not installed: %s" % e)
    sys.exit(1)


def fail(msg, driver=None, shots=None):
    print("FAIL: " + msg)
    if driver is not None and shots is not None:
        try:
            driver.save_screenshot(os.path.join(shots, "failure.png"))
            with open(os.path.join(shots, "failure.html"), "w") as f:
                f.write(driver.page_source)
        except Exception:  # the failure itself is what matters
            pass
    sys.exit(1)


def start_browser(profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("IG_CHROMIUM", "/usr/bin/chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--window-size=1280,1100",
              "--user-data-dir=" + profile, "--no-first-run",
              "--disable-extensions", "--disable-background-networking"):
        opts.add_argument(a)
    try:
        return webdriver.Chrome(
            service=Service("/usr/bin/chromedriver"), options=opts)
    except Exception as e:
        print("SKIP: Chromium cannot start here (%s); the portal's "
              "browser test did not run" % str(e).splitlines()[0])
        sys.exit(77)


def sign_in(d, url, token, shots):
    d.get(url + "/admin/portal/login")
    d.find_element(By.ID, "token").send_keys(token)
    d.find_element(By.ID, "signin").click()
    deadline = time.time() + 30
    while time.time() < deadline:
        if d.find_elements(By.ID, "peers"):
            return
        time.sleep(0.1)
    fail("signing in did not lead to the overview", d, shots)


def peer_state(d, peer):
    for row in d.find_elements(By.CSS_SELECTOR, "tr.peer"):
        if row.get_attribute("data-peer") == peer:
            return row.get_attribute("data-state")
    return None


def phase_signin(d, url, token, shots):
    # No session: the sign-in form, not the overview.
    d.get(url + "/admin/portal")
    if d.find_elements(By.ID, "peers") or not d.find_elements(By.ID, "token"):
        fail("the overview was shown without a session", d, shots)
    # A wrong token.
    d.find_element(By.ID, "token").send_keys("not-the-token-0123456789")
    d.find_element(By.ID, "signin").click()
    deadline = time.time() + 30
    while time.time() < deadline and not d.find_elements(By.ID,
                                                         "login-error"):
        time.sleep(0.1)
    if d.find_elements(By.ID, "peers") or "Wrong token" not in d.page_source:
        fail("a wrong token was not refused", d, shots)
    # The right one.
    sign_in(d, url, token, shots)
    # Every peer up (they were started before).
    deadline = time.time() + 60
    while True:
        rows = d.find_elements(By.CSS_SELECTOR, "tr.peer")
        states = [r.get_attribute("data-state") for r in rows]
        if len(rows) == 2 and all(s == "up" for s in states):
            break
        if time.time() > deadline:
            fail("peers not all up on the overview: %s" % states, d, shots)
        time.sleep(0.5)
        d.refresh()
    # The hostile member name and mirror URL are text, not markup.
    if d.find_elements(By.ID, "injected") or d.find_elements(
            By.CSS_SELECTOR, "#members img, #mirrors img, #mirrors b"):
        fail("a member-controlled value became markup", d, shots)
    members = d.find_element(By.ID, "members").text
    if '<img id="injected"' not in members:
        fail("the hostile member name is not shown as text: %r" % members,
             d, shots)
    deadline = time.time() + 60
    while "onmouseover" not in d.find_element(By.ID, "mirrors").text:
        if time.time() > deadline:
            fail("the mirror listed by node2 never showed", d, shots)
        time.sleep(0.5)
        d.refresh()
    for a in d.find_elements(By.CSS_SELECTOR, "#mirrors *"):
        if a.get_attribute("onmouseover") is not None:
            fail("a mirror URL injected an attribute", d, shots)
    for s in ("root-serial", "evidence"):
        if not d.find_elements(By.ID, s):
            fail("no #%s on the overview" % s, d, shots)
    d.save_screenshot(os.path.join(shots, "portal-overview.png"))
    # Statistics: a chart drawn on the server.
    d.get(url + "/admin/portal/stats")
    # the test's 7 verifications (not valid): red bars of 7 in all (in
    # one hour, or two when they straddled one), and their outcome in
    # the table
    bad = 0
    for r in d.find_elements(By.CSS_SELECTOR, "svg#chart rect"):
        t = r.find_element(By.TAG_NAME, "title").get_attribute(
            "textContent")
        if t.endswith(" not valid"):
            n = int(t.split()[0])
            if n > 0 and float(r.get_attribute("height")) <= 0:
                fail("a bar of %d has no height" % n, d, shots)
            bad += n
    if bad != 7:
        fail("the chart shows %d not valid, not 7" % bad, d, shots)
    outcomes = d.find_element(By.ID, "outcomes").text
    if "malformed" not in outcomes or "7" not in outcomes:
        fail("the outcomes table: %r" % outcomes, d, shots)
    d.save_screenshot(os.path.join(shots, "portal-stats.png"))
    # Drill reports: the fixture run listed, its report opened.
    d.get(url + "/admin/portal/drills")
    runs = [r.get_attribute("data-run")
            for r in d.find_elements(By.CSS_SELECTOR, "tr.run")]
    if runs != ["run-2", "run-1", "run-0"]:
        fail("drill runs listed: %s" % runs, d, shots)
    if "no readable report.json" not in d.find_element(
            By.CSS_SELECTOR, "tr[data-run='run-0']").text:
        fail("run-0's broken report.json not said", d, shots)
    if "3 of 4 met" not in d.page_source:
        fail("the objectives' summary is missing", d, shots)
    d.save_screenshot(os.path.join(shots, "portal-drills.png"))
    d.find_element(By.LINK_TEXT, "run-2").click()
    deadline = time.time() + 30
    while "Readiness report run-2" not in d.page_source:
        if time.time() > deadline:
            fail("the report did not open", d, shots)
        time.sleep(0.1)
    # The report runs sandboxed: its script did not run.
    if d.find_elements(By.ID, "report-script-ran"):
        fail("a script in a report ran", d, shots)
    d.save_screenshot(os.path.join(shots, "portal-report.png"))
    # Signing out ends the session.
    d.get(url + "/admin/portal")
    d.find_element(By.CSS_SELECTOR, "header form button").click()
    deadline = time.time() + 30
    while not d.find_elements(By.ID, "token"):
        if time.time() > deadline:
            fail("signing out did not lead to the sign-in form", d, shots)
        time.sleep(0.1)
    d.get(url + "/admin/portal")
    if d.find_elements(By.ID, "peers"):
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
        d.refresh()
    d.save_screenshot(os.path.join(shots, name + ".png"))
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
    d = start_browser(profile)
    d.set_page_load_timeout(60)
    try:
        if phase == "signin":
            phase_signin(d, url, token, shots)
        elif phase == "cycle":
            phase_cycle(d, url, token, shots, sys.argv[5], sys.argv[6],
                        int(sys.argv[7]), int(sys.argv[8]))
        else:
            fail("unknown phase " + phase)
    finally:
        d.quit()


if __name__ == "__main__":
    main()
