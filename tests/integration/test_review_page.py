"""The review page through a real Postfix and a real Chromium (WebDriver): a rude reply is held,
`support-milter review` serves the page on 127.0.0.1, a lead logs in (a wrong password first),
sees the held reply with the evidence marked and the customer's message it answers, and releases
it with a reason; the reply reaches smtp-sink, the release record names the lead, the reason and
the SLA figures, and the report counts the release. Refused: a POST without the CSRF token and an
auditor's release (both leave the reply held), and a login without the login form's token and
pre-session cookie (counted as no failure; the limit of failed logins still holds). A second held reply is sent back to its agent: it
is deleted, and the agent gets a notice in their language with the lead's comment. A proxy in
front names the user in a header. The same page on Sendmail's quarantine (sendmail_stack.py):
the reply read from its queue files and released.

Run one MTA's cases by naming its class: test_review_page.py PostfixReview (or SendmailReview)."""

import email
import email.policy
import http.client
import json
import os
import re
import signal
import subprocess
import unittest
import uuid

import harness
import sendmail_stack

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

CUSTOMER_BODY = ("Hello,\n\nthe invoice 7731 lists the premium plan twice this month.\n"
                 "Could you remove the duplicate line and send a corrected invoice?\n\nAna Lopez")
LEAD_PASSWORD = "marmalade on the 4th floor"
AUDITOR_PASSWORD = "quiet ledger of tuesdays"


class ReviewStack:
    """A mail stack (`make_stack`) with `support-milter review` beside it, the users marta (lead)
    and ines (auditor), and the helpers of the cases; a subclass names its MTA."""

    @classmethod
    def setUpClass(cls):
        cls.port = harness.free_port()
        cls.stack = cls.make_stack()
        review_dir = cls.stack.work.sub("review")
        cls.users_file = os.path.join(review_dir, "users")
        extra = ("[review]\n"
                 f'listen = "127.0.0.1:{cls.port}"\n'
                 f'users_file = "{cls.users_file}"\n'
                 'proxy_user_header = "X-Remote-User"\n' + cls.extra_config())
        with open(cls.stack.milter.config_path) as f:
            text = f.read()
        if "[notify]" in extra:
            # The page's [notify] takes the place of the harness's, which tells no agent either.
            text = text.replace("\n[notify]\nagents = false\n", "\n")
            extra = extra.replace("[notify]\n", "[notify]\nagents = false\n", 1)
        with open(cls.stack.milter.config_path, "w") as f:
            f.write(text + extra)
        cls.stack.start()
        cls.config = cls.stack.milter.config_path
        for name, role, password in (("marta", "lead", LEAD_PASSWORD), ("ines", "auditor", AUDITOR_PASSWORD)):
            r = subprocess.run([harness.binary(), "review-user", name, "--role", role, "-c", cls.config],
                               input=password + "\n", capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
        cls.review_log = os.path.join(cls.stack.work.path, "review.stderr")
        with open(cls.review_log, "a") as log:
            cls.review = subprocess.Popen([harness.binary(), "review", "-c", cls.config, *cls.review_args()],
                                          stdout=log, stderr=subprocess.STDOUT)
        harness.wait_until(cls.listening, 20, "support-milter review listening", cls.diagnostics)
        cls.base = f"http://127.0.0.1:{cls.port}"

    @classmethod
    def tearDownClass(cls):
        # TERM stops the page cleanly (exit 0; under the sanitizers, with nothing leaked).
        cls.review.send_signal(signal.SIGTERM)
        try:
            code = cls.review.wait(20)
        except subprocess.TimeoutExpired:
            cls.review.kill()
            code = "still running 20 s after TERM"
        log = harness.tail(cls.review_log)
        cls.stack.stop()
        assert code == 0, f"support-milter review stopped with {code}:\n{log}"

    @classmethod
    def listening(cls):
        try:
            c = http.client.HTTPConnection("127.0.0.1", cls.port, timeout=2)
            try:
                c.request("GET", "/login")
                return c.getresponse().status == 200
            finally:
                c.close()
        except OSError:
            return False

    @classmethod
    def diagnostics(cls):
        return harness.tail(cls.review_log) + "\n" + cls.stack.diagnostics()

    # --- helpers ---

    def rude_reply(self, tag):
        """A customer message, then Sam's rude reply quoting it, held by polite-tone; returns the
        reply's message id and audit record once Postfix holds it."""
        c1 = f"c-{tag}@client.example"
        subject = "Invoice 7731 lists the plan twice"
        code, _ = self.stack.send(harness.make_message(
            c1, "Ana Lopez <ana@client.example>", ["help@support.example.com"], subject, CUSTOMER_BODY),
            "ana@client.example", ["help@support.example.com"])
        self.assertEqual(code, 250)
        self.stack.milter.audit_for(c1)
        a1 = f"rude-{tag}@support.example.com"
        body = ("Ana, are you stupid? The invoice says it all.\n\nSam\nExample Support, +1 555 0100\n\n"
                "On Mon, 2 Nov 2026 at 09:00, Ana Lopez <ana@client.example> wrote:\n" + harness.quote(CUSTOMER_BODY))
        code, _ = self.stack.send(harness.make_message(
            a1, "Sam Agent <sam@support.example.com>", ["ana@client.example"], "Re: " + subject, body,
            in_reply_to=c1, references=[c1]), "sam@support.example.com", ["ana@client.example"])
        self.assertEqual(code, 250)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold", rec)
        harness.wait_until(lambda: self.stack.held(rec["queue_id"]), 20, "the rude reply on hold",
                           self.stack.diagnostics)
        return a1, rec

    def http(self, method, path, form=None, cookie=None, headers=None):
        """One request outside the browser: (status, headers, body)."""
        return harness.http_request(self.port, method, path, form, cookie, headers)

    def login_outside(self, user, password):
        status, headers, _ = harness.review_login(self.port, user, password)
        self.assertEqual(status, 303)
        cookie = harness.set_cookie(headers, "sm_review")
        self.assertRegex(cookie, r"^[0-9a-f]{64}$")
        return cookie

    def csrf_of(self, page):
        return re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)

    def browser_login(self, user, password):
        b = self.browser
        b.get(self.base + "/login")
        b.find_element(By.ID, "user").send_keys(user)
        b.find_element(By.ID, "password").send_keys(password)
        b.find_element(By.ID, "login").click()



class PostfixReview(ReviewStack, unittest.TestCase):
    """Postfix's hold queue, in Chromium."""

    @classmethod
    def make_stack(cls):
        return harness.Stack()

    @classmethod
    def extra_config(cls):
        # The notices go through this test's Postfix (its sendmail -C), so they reach the sink.
        return ("[notify]\n"
                f'command = ["/usr/sbin/sendmail", "-C", "{cls.stack.postfix.dir}", "-oi", "-f", "<>"]\n')

    @classmethod
    def review_args(cls):
        return ["--postfix-config", cls.stack.postfix.dir]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        opts = Options()
        opts.binary_location = "/usr/bin/chromium"
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        for flag in CHROMIUM_FLAGS:
            opts.add_argument(flag)
        try:
            cls.browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        except BaseException:
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.browser.quit()
        finally:
            super().tearDownClass()

    def test_1_lead_releases_a_held_reply_in_the_browser(self):
        a1, rec = self.rude_reply(uuid.uuid4().hex[:10])
        qid = rec["queue_id"]
        tone = [f for f in rec["findings"] if f["rule"] == "polite-tone"][0]
        phrases = tone["evidence"]["phrases"]
        b = self.browser

        # A wrong password: refused, no session.
        self.browser_login("marta", "not the password at all")
        error = harness.wait_until(lambda: b.find_elements(By.ID, "error"), 20, "the login form's error",
                                   self.diagnostics)
        self.assertIn("Wrong user name or password", error[0].text)
        self.assertIsNone(b.get_cookie("sm_review"))
        # The login form's pre-session, whose token the form sent back.
        pre = b.get_cookie("sm_login")
        self.assertTrue(pre["httpOnly"])
        self.assertEqual(pre["sameSite"], "Strict")
        self.assertTrue(pre["secure"])

        # The right one: the list, with the held reply and how long the customer has waited.
        self.browser_login("marta", LEAD_PASSWORD)
        harness.wait_until(lambda: b.find_elements(By.ID, "held"), 20, "the list of held replies",
                           self.diagnostics)
        cookie = b.get_cookie("sm_review")
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie["sameSite"], "Strict")
        self.assertTrue(cookie["secure"])
        row = b.find_element(By.CSS_SELECTOR, f'tr[data-queue-id="{qid}"]')
        self.assertIn("Invoice 7731", row.text)
        self.assertIn("polite-tone", row.text)
        self.assertRegex(row.text, r"\d+ (s|min)")

        # The reply, with the evidence marked, and the customer's message it answers.
        row.find_element(By.TAG_NAME, "a").click()
        harness.wait_until(lambda: b.find_elements(By.ID, "reply"), 20, "the held reply's page", self.diagnostics)
        self.assertEqual(b.find_element(By.ID, "queue-id").text, qid)
        marks = [m.text.lower() for m in b.find_elements(By.CSS_SELECTOR, "#reply mark")]
        self.assertTrue(marks, b.find_element(By.ID, "reply").text)
        self.assertTrue(all(m in [p.lower() for p in phrases] for m in marks), (marks, phrases))
        self.assertIn("are you stupid", b.find_element(By.ID, "reply").text)
        self.assertIn("the invoice 7731 lists the premium plan twice", b.find_element(By.ID, "answered").text)
        self.assertIn("within target", b.find_element(By.ID, "clock").text)
        # Nothing on the page comes from elsewhere.
        self.assertNotIn("http", b.page_source.replace(self.base, ""))

        # Release with a reason.
        b.find_element(By.ID, "release-reason").send_keys("the customer asked for the blunt version")
        b.find_element(By.ID, "release").click()
        harness.wait_until(lambda: b.find_elements(By.ID, "notice"), 20, "the notice of the release",
                           self.diagnostics)
        self.assertIn("Released", b.find_element(By.ID, "notice").text)
        self.stack.wait_delivered(a1)
        self.assertIsNone(self.stack.held(qid))
        release = [r for r in self.stack.milter.audit("release") if r["queue_id"] == qid]
        self.assertEqual(len(release), 1)
        self.assertEqual(release[0]["by"], "marta")
        self.assertEqual(release[0]["reason"], "the customer asked for the blunt version")
        self.assertEqual(release[0]["message_id"], a1)
        self.assertEqual(release[0]["rules"], ["polite-tone"])
        self.assertTrue(release[0]["sla"]["released"])
        self.assertEqual(release[0]["sla"]["status"], "within_target")
        report = json.loads(harness.run([harness.binary(), "report", "--format", "json",
                                         self.stack.milter.audit_path]).stdout)
        self.assertEqual(report["total"]["released"], 1)
        # The chain still verifies with the record the page wrote.
        harness.run([harness.binary(), "audit", "verify", self.stack.milter.audit_path])

        # The report page lists the release; its sorting script runs (allowed by its hash).
        b.find_element(By.ID, "report-link").click()
        released = harness.wait_until(lambda: b.find_elements(By.CSS_SELECTOR, "table#released tr"), 20,
                                      "the report's list of releases", self.diagnostics)
        self.assertTrue([r for r in released if qid in r.text and "marta" in r.text], [r.text for r in released])
        header = b.find_element(By.CSS_SELECTOR, "table#released th")
        header.click()
        self.assertEqual(header.get_attribute("data-up"), "1")
        # No page broke its Content-Security-Policy (a blocked resource or script is logged).
        blocked = [e["message"] for e in b.get_log("browser") if "Content Security Policy" in e["message"]]
        self.assertEqual(blocked, [])

    def test_2_refusals_leave_the_reply_held(self):
        a1, rec = self.rude_reply(uuid.uuid4().hex[:10])
        qid = rec["queue_id"]
        lead = self.login_outside("marta", LEAD_PASSWORD)
        status, _, page = self.http("GET", f"/held/{qid}", cookie=lead)
        self.assertEqual(status, 200)
        # A POST without the CSRF token, and one with another session's token.
        status, _, page = self.http("POST", f"/held/{qid}/release", {"reason": "no token"}, cookie=lead)
        self.assertEqual(status, 403)
        self.assertIn("no valid token", page)
        auditor = self.login_outside("ines", AUDITOR_PASSWORD)
        status, _, auditor_page = self.http("GET", f"/held/{qid}", cookie=auditor)
        self.assertEqual(status, 200)
        self.assertNotIn(f"/held/{qid}/release", auditor_page)
        self.assertIn('id="read-only"', auditor_page)
        status, _, _ = self.http("POST", f"/held/{qid}/release",
                                 {"reason": "wrong token", "csrf": self.csrf_of(auditor_page)}, cookie=lead)
        self.assertEqual(status, 403)
        # An auditor's release, with the auditor's own token.
        status, _, page = self.http("POST", f"/held/{qid}/release",
                                    {"reason": "auditors cannot", "csrf": self.csrf_of(auditor_page)},
                                    cookie=auditor)
        self.assertEqual(status, 403)
        self.assertIn("only leads", page)
        # No session at all.
        status, _, _ = self.http("POST", f"/held/{qid}/discard", {"reason": "anonymous"})
        self.assertEqual(status, 403)
        self.assertIsNotNone(self.stack.held(qid))
        self.assertFalse([r for r in self.stack.milter.audit() if r.get("event") in ("release", "discard")
                          and r.get("queue_id") == qid])
        self.assertIsNone(self.stack.sink.find(a1))

        # Sent back by the lead with a comment: deleted, and Sam is told.
        status, headers, _ = self.http("POST", f"/held/{qid}/send-back",
                                       {"reason": "Please apologise and answer the question about the plan.",
                                        "csrf": self.csrf_of(self.http("GET", f"/held/{qid}", cookie=lead)[2])},
                                       cookie=lead)
        self.assertEqual(status, 303, self.diagnostics())
        harness.wait_until(lambda: not [q for q in self.stack.postfix.queue_json() if q["queue_id"] == qid],
                           20, "the reply sent back to leave the queue", self.diagnostics)
        discard = [r for r in self.stack.milter.audit("discard") if r["queue_id"] == qid]
        self.assertEqual(len(discard), 1)
        self.assertEqual(discard[0]["by"], "marta")
        self.assertEqual(discard[0]["reason"],
                         "sent back to the agent: Please apologise and answer the question about the plan.")
        self.assertEqual(discard[0]["sla"], {"status": "not_sent", "reason": "discarded"})

        def notice():
            for m in self.stack.sink.messages():
                if "sam@support.example.com" in harness.Sink.envelope_recipients(m) and \
                        "sent back" in str(m["Subject"]):
                    return m
            return None
        msg = harness.wait_until(notice, 30, "the notice to the agent at the sink", self.diagnostics)
        body = msg.get_body(preferencelist=("plain",)).get_content()
        self.assertIn("marta read your held reply", body)
        self.assertIn("Please apologise and answer the question about the plan.", body)
        self.assertIn("polite-tone", body)
        self.assertIsNone(self.stack.sink.find(a1))


    def test_3_a_proxy_in_front_names_the_user(self):
        # From a loopback peer, the header logs a user of the users file in, with their own role.
        status, headers, page = self.http("GET", "/", headers={"X-Remote-User": "ines"})
        self.assertEqual(status, 200)
        self.assertIn("ines (auditor)", page)
        self.assertTrue([v for k, v in headers if k.lower() == "set-cookie" and v.startswith("sm_review=")])
        # A name the users file does not have is nobody.
        status, _, _ = self.http("GET", "/", headers={"X-Remote-User": "mallory"})
        self.assertEqual(status, 303)

    def test_4_a_login_needs_the_forms_token_and_failures_stay_limited(self):
        def login(form, cookie=None):
            return self.http("POST", "/login", {"user": "ines", "password": AUDITOR_PASSWORD, **form}, cookie=cookie)

        def form():
            status, headers, page = self.http("GET", "/login")
            self.assertEqual(status, 200)
            return harness.set_cookie(headers, "sm_login"), self.csrf_of(page)

        pre, token = form()
        other_pre, other_token = form()
        changed = pre[:-1] + ("0" if pre[-1] != "0" else "1")
        # Each refusal with whether the request's pre-session was good (its form comes back).
        refused = [(login({}), False),                                          # a page elsewhere
                   (login({"csrf": token}), False),                             # the token without its cookie
                   (login({}, cookie="sm_login=" + pre), True),                 # the cookie without its token
                   (login({"csrf": other_token}, cookie="sm_login=" + pre), True),  # another form's token
                   (login({"csrf": token}, cookie="sm_login=" + changed), True),   # a changed cookie
                   (login({"csrf": token}, cookie="sm_login=forged"), False),      # no pre-session at all
                   (login({"csrf": token}, cookie="sm_login=" + other_pre), True)]
        for (status, headers, page), good_pre in refused:
            self.assertEqual(status, 403, page)
            self.assertIn("the login form carried no valid token", page)
            self.assertIsNone(harness.set_cookie(headers, "sm_review"))
            # The refusal is a login form again: the same pre-session while it is good, else a new one.
            self.assertRegex(page, r'name="csrf" value="[0-9a-f]{64}"')
            self.assertEqual(harness.set_cookie(headers, "sm_login") is None, good_pre)
        # Seven refusals, more than the limit of failures: none counted, the password still opens a session.
        status, headers, _ = login({"csrf": token}, cookie="sm_login=" + pre)
        self.assertEqual(status, 303)
        self.assertRegex(harness.set_cookie(headers, "sm_review"), r"^[0-9a-f]{64}$")
        self.assertEqual(harness.set_cookie(headers, "sm_login"), "")

        # The limit of failed logins still holds, the form's token or not.
        for attempt in range(6):
            status, _, page = self.http("POST", "/login", {"user": "ines", "password": "guess " + str(attempt),
                                                           "csrf": token}, cookie="sm_login=" + pre)
            if status == 429:
                break
            self.assertEqual(status, 401, page)
        self.assertEqual(status, 429, page)
        self.assertIn("Too many failed logins", page)
        status, _, page = login({"csrf": token}, cookie="sm_login=" + pre)
        self.assertEqual(status, 429, page)


class SendmailReview(ReviewStack, unittest.TestCase):
    """Sendmail's quarantine: the reply read from its queue files and released from the page."""

    @classmethod
    def make_stack(cls):
        return sendmail_stack.Stack()

    @classmethod
    def extra_config(cls):
        sendmail = cls.stack.sendmail
        command = ["/usr/bin/env", f"LD_LIBRARY_PATH={sendmail.libs}", *sendmail.command()]
        return ("[mta]\n"
                'kind = "sendmail"\n'
                f"sendmail_command = {json.dumps(command)}\n"
                f'sendmail_config = "{sendmail.cf}"\n')

    @classmethod
    def review_args(cls):
        return []

    def test_lead_releases_a_quarantined_reply(self):
        a1, rec = self.rude_reply(uuid.uuid4().hex[:10])
        qid = rec["queue_id"]
        lead = self.login_outside("marta", LEAD_PASSWORD)
        status, _, page = self.http("GET", "/", cookie=lead)
        self.assertEqual(status, 200)
        self.assertIn(f'data-queue-id="{qid}"', page)
        status, _, page = self.http("GET", f"/held/{qid}", cookie=lead)
        self.assertEqual(status, 200, page)
        self.assertRegex(page, r"<mark>[^<]+</mark>")
        self.assertIn("are you", page)
        self.assertIn("the invoice 7731 lists the premium plan twice", page)
        status, headers, page = self.http("POST", f"/held/{qid}/release",
                                          {"reason": "approved after a call with Ana", "csrf": self.csrf_of(page)},
                                          cookie=lead)
        self.assertEqual(status, 303, page + self.diagnostics())
        self.stack.wait_delivered(a1)
        [release] = [r for r in self.stack.milter.audit("release") if r.get("queue_id") == qid]
        self.assertEqual(release["by"], "marta")
        self.assertEqual(release["reason"], "approved after a call with Ana")
        self.assertIs(release["sla"]["released"], True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
