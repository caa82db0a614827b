"""support-milter setup-sendmail on a private /etc/mail: --apply --yes writes support-milter's
INPUT_MAIL_FILTER line into sendmail.mc and its user into submit.mc's trusted users, backs both
up and runs make, whose Makefile builds the .cf files with m4 from the unpacked cf tree as
Debian's /etc/mail/Makefile does; the built sendmail.cf has the filter, a real Sendmail 8.17 on it
passes mail to support-milter, and a notice submitted as the milter's user with -f <> carries no
X-Authentication-Warning. A second run changes nothing; a failing make keeps the backup and says
where it is; without --apply, or when the question is not answered yes, nothing is written."""

import glob
import os
import shutil
import subprocess
import tempfile
import unittest
import uuid

import harness
import sendmail_stack

MAKEFILE = """\
# As Debian's /etc/mail/Makefile: the .cf files from the .mc files, with m4.
CF = {cf_tree}
all: sendmail.cf submit.cf
%.cf: %.mc
\tm4 -D_CF_DIR_=$(CF)/ $(CF)/m4/cf.m4 $< > $@.new && mv $@.new $@
"""


def setup_sendmail(*args, data=None):
    return subprocess.run([harness.binary(), "setup-sendmail", *args], input=data, capture_output=True, text=True,
                          timeout=120)


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class ApplyOnSendmail(unittest.TestCase):
    def test_apply_builds_a_cf_that_filters_mail_and_trusts_the_notices(self):
        stack = sendmail_stack.Stack()
        sendmail = stack.sendmail
        socket = sendmail.milter_socket  # local:/run/support-milter-test/.../support-milter.sock
        sendmail.milter_socket = None     # the mc as it is before setup-sendmail: no filter
        try:
            sendmail_stack.debs()
            stack.sink.start()
            stack.milter.start()
            sendmail.configure()
            etc = os.path.join(sendmail.dir, "etc-mail")
            os.makedirs(etc)
            mc, submit_mc = os.path.join(etc, "sendmail.mc"), os.path.join(etc, "submit.mc")
            before_mc, before_submit = sendmail.mc(), sendmail.submit_mc()
            write(mc, before_mc)
            write(submit_mc, before_submit)
            write(os.path.join(etc, "Makefile"), MAKEFILE.format(cf_tree=sendmail.cf_tree))

            r = setup_sendmail("--mc", mc, "-c", stack.milter.config_path, "--apply", "--yes")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            line = (f"INPUT_MAIL_FILTER(`support-milter', `S={socket}, F=T, T=C:30s;S:30s;R:50s;E:5m')dnl")
            self.assertIn("+ " + line, r.stdout)
            self.assertIn(f"+ define(`confTRUSTED_USERS', `{harness.UNPRIVILEGED}')dnl", r.stdout)
            self.assertIn("Sendmail accepts the socket", r.stdout)
            mc_lines = read(mc).splitlines()
            self.assertLess(mc_lines.index(line), mc_lines.index("MAILER(`smtp')dnl"))
            # The previous files are kept, named in the output.
            for path, text in ((mc, before_mc), (submit_mc, before_submit)):
                backups = glob.glob(path + ".bak-*")
                self.assertEqual(len(backups), 1, path)
                self.assertEqual(read(backups[0]), text)
                self.assertIn(f"the previous one is {backups[0]}", r.stdout)

            cf = read(os.path.join(etc, "sendmail.cf"))
            self.assertIn("O InputMailFilters=support-milter\n", cf)
            self.assertEqual([x for x in cf.splitlines() if x.startswith("Xsupport-milter")],
                             [f"Xsupport-milter, S={socket}, F=T, T=C:30s;S:30s;R:50s;E:5m"])
            self.assertIn(f"T{harness.UNPRIVILEGED}", read(os.path.join(etc, "submit.cf")).splitlines())

            # Again: nothing to change, nothing written.
            after_mc = read(mc)
            r = setup_sendmail("--mc", mc, "-c", stack.milter.config_path, "--apply", "--yes")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("Nothing to change", r.stdout)
            self.assertEqual(read(mc), after_mc)
            self.assertEqual(len(glob.glob(mc + ".bak-*")), 1)

            # The built cf at work: mail reaches support-milter, notices are trusted.
            sendmail.cf = os.path.join(etc, "sendmail.cf")
            sendmail.submit_cf = os.path.join(etc, "submit.cf")
            sendmail.start(configure=False)
            mid = f"setup-{uuid.uuid4().hex[:10]}@client.example"
            code, text = sendmail.send(harness.make_message(
                mid, "Ana <ana@client.example>", ["help@support.example.com"], "Where is my order?",
                "Order 5521?\n\nAna"), "ana@client.example", ["help@support.example.com"])
            self.assertEqual(code, 250, text)
            self.assertEqual(stack.milter.audit_for(mid)["queue_id"], sendmail_stack.queue_id_of(text))
            stack.wait_delivered(mid)

            notice = f"notice-{uuid.uuid4().hex[:10]}@support.example.com"
            r = sendmail.submit(harness.make_message(
                notice, "support-milter <postmaster@support.example.com>", ["lead@support.example.com"],
                "Held: reply-all", "A reply was held.\n"), "-f", "<>", "-t", user=harness.UNPRIVILEGED)
            self.assertEqual(r.returncode, 0, r.stderr)
            msg = stack.wait_delivered(notice)
            self.assertEqual([w for w in msg.get_all("X-Authentication-Warning") or [] if "set sender to" in w], [])
        finally:
            stack.stop()


class WithoutSendmail(unittest.TestCase):
    """The command's other paths need no Sendmail: a private directory with Debian's mc layout."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="setup-sendmail-")
        self.mc = os.path.join(self.dir, "sendmail.mc")
        shutil.copy(os.path.join(harness.ROOT, "tests", "data", "sendmail", "mc", "debian.mc"), self.mc)
        self.before = read(self.mc)
        self.config = os.path.join(self.dir, "support-milter.conf")
        write(self.config, '[milter]\nsocket = "unix:/tmp/support-milter/support-milter.sock"\n')

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_without_apply_it_prints_and_writes_nothing(self):
        r = setup_sendmail("--mc", self.mc, "-c", self.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("+ INPUT_MAIL_FILTER(`support-milter', `S=local:/tmp/support-milter/support-milter.sock, "
                      "F=T, T=C:30s;S:30s;R:50s;E:5m')dnl", r.stdout)
        self.assertIn("warning: /tmp is world-writable: Sendmail refuses a socket below it", r.stdout)
        self.assertEqual(read(self.mc), self.before)
        self.assertEqual(glob.glob(self.mc + ".bak-*"), [])

    def test_no_answer_writes_nothing(self):
        r = setup_sendmail("--mc", self.mc, "-c", self.config, "--apply", data="n\n")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("Nothing changed.", r.stdout)
        self.assertEqual(read(self.mc), self.before)
        self.assertEqual(glob.glob(self.mc + ".bak-*"), [])

    def test_a_failing_make_keeps_the_backup_and_says_where(self):
        # No Makefile in the directory: make fails as it would on a broken /etc/mail.
        r = setup_sendmail("--mc", self.mc, "-c", self.config, "--apply", "--yes")
        self.assertEqual(r.returncode, 69, r.stdout + r.stderr)
        backups = glob.glob(self.mc + ".bak-*")
        self.assertEqual(len(backups), 1)
        self.assertEqual(read(backups[0]), self.before)
        self.assertIn(f"make -C {self.dir} failed (exit 2)", r.stderr)
        self.assertIn("no makefile found", r.stderr)
        self.assertIn(f"its previous text is in {backups[0]}", r.stderr)
        self.assertIn("INPUT_MAIL_FILTER(`support-milter'", read(self.mc))

    def test_bad_input_is_refused_with_a_reason(self):
        write(self.config, '[milter]\nsocket = "unix:/run/a,b.sock"\n')
        r = setup_sendmail("--mc", self.mc, "-c", self.config)
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertIn("cannot be written in Sendmail's S= form", r.stderr)
        r = setup_sendmail("--mc", os.path.join(self.dir, "missing.mc"))
        self.assertEqual(r.returncode, 66, r.stderr)
        self.assertIn("cannot read", r.stderr)
        write(self.mc, "divert(0)dnl\nOSTYPE(`debian')dnl\n")
        write(self.config, "")
        r = setup_sendmail("--mc", self.mc, "-c", self.config)
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn("no MAILER line", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
