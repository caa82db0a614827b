"""Held mail that leaves Postfix's hold queue without `support-milter release` or `discard`: a
reply released with `postsuper -H` gets a release record by "mta" with its clock's figures, one
deleted with `postsuper -d` a discard record by "mta", each within a sweep of the daemon
(sla.sweep_seconds = 1); `held` no longer lists them, and the audit chain verifies. A reply
released with `support-milter release` gets that command's record only, never a second one by
"mta". The hold notice names `support-milter release` and `discard`, not Postfix's commands."""

import json
import os
import unittest
import uuid

import harness

CUSTOMER_BODY = ("Good morning,\n\nour order 5520 arrived with two of the six chairs missing.\n"
                 "When can you ship the other two, and do we need to send anything back?\n\nPriya Nair")


class PostfixHeldOutside(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = harness.Stack(milter_kwargs={"rules": {"quoted-history": {"action": "hold",
                                                                               "notify": "lead@support.example.com"}}})
        milter, postfix = cls.stack.milter, cls.stack.postfix
        cls.extra = ("[sla]\nsweep_seconds = 1\n"
                     f'[mta]\nkind = "postfix"\npostfix_config = "{postfix.dir}"\n'
                     f'[notify]\ncommand = ["/usr/sbin/sendmail", "-C", "{postfix.dir}", "-oi", "-f", "<>"]\n')
        milter.write_config(["support.example.com"],
                            {"quoted-history": {"action": "hold", "notify": "lead@support.example.com"}},
                            extra=cls.extra)
        cls.stack.start()
        # The daemon's user reads Postfix's mail log (on a real system: a member of the log's group).
        harness.wait_until(lambda: os.path.exists(postfix.maillog), 20, "Postfix's mail log", cls.stack.diagnostics)
        os.chmod(postfix.maillog, 0o644)

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def cli(self, *args, check=True):
        r = harness.run([harness.binary(), *args], check=False)
        if check and r.returncode != 0:
            self.fail(f"support-milter {' '.join(args)} exited {r.returncode}\n{r.stdout}{r.stderr}\n"
                      f"{self.stack.diagnostics()}")
        return r

    def held_ids(self):
        r = self.cli("held", "--json", "-c", self.stack.milter.config_path)
        return [h["queue_id"] for h in json.loads(r.stdout)]

    def postsuper(self, *args):
        r = harness.run(["postsuper", "-c", self.stack.postfix.dir, *args], check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def held_reply(self):
        """A customer message, then a reply that quotes nothing, which quoted-history holds;
        returns the reply's message id and audit record once Postfix holds it."""
        tag = uuid.uuid4().hex[:10]
        c1 = f"c-{tag}@client.example"
        code, text = self.stack.send(harness.make_message(
            c1, "Priya Nair <priya@client.example>", ["help@support.example.com"], "Order 5520: two chairs missing",
            CUSTOMER_BODY), "priya@client.example", ["help@support.example.com"])
        self.assertEqual(code, 250, text)
        self.stack.milter.audit_for(c1)
        a1 = f"a-{tag}@support.example.com"
        code, text = self.stack.send(harness.make_message(
            a1, "Omar Haddad <omar@support.example.com>", ["priya@client.example"], "Re: Order 5520: two chairs missing",
            "Hi Priya,\n\nthe two chairs leave our warehouse tomorrow; nothing needs to come back.\n\n"
            "Omar\nExample Support, +1 555 0100", in_reply_to=c1, references=[c1]),
            "omar@support.example.com", ["priya@client.example"])
        self.assertEqual(code, 250, text)
        rec = self.stack.milter.audit_for(a1)
        self.assertEqual(rec["action"], "hold", rec)
        harness.wait_until(lambda: self.stack.held(rec["queue_id"]), 20, "the reply in the hold queue",
                           self.stack.diagnostics)
        return a1, rec

    def settle_records(self, qid):
        return [r for r in self.stack.milter.audit() if r.get("event") in ("release", "discard")
                and r.get("queue_id") == qid]

    def wait_settled(self, qid, what):
        return harness.wait_until(lambda: self.settle_records(qid), 30, what, self.stack.diagnostics)[0]

    def test_1_hold_notice_names_support_milters_commands(self):
        a1, rec = self.held_reply()
        qid = rec["queue_id"]
        notice = harness.wait_until(
            lambda: next((m for m in self.stack.sink.messages()
                          if m["X-Support-Milter-Notice"] and qid in m.get_content()), None),
            30, "the hold notice at the sink", self.stack.diagnostics)
        body = notice.get_content()
        config = self.stack.milter.config_path
        self.assertIn(f"support-milter release {qid} -c {config} --by NAME --reason TEXT", body)
        self.assertIn(f"support-milter discard {qid} -c {config} --by NAME --reason TEXT", body)
        self.assertNotIn("postsuper", body)
        # Settled the usual way, so the next cases start from an empty hold queue.
        self.cli("discard", qid, "-c", config, "--by", "lead", "--reason", "sent again with the quote")

    def test_2_postsuper_release_and_delete_are_settled_by_the_sweep(self):
        released, rec_r = self.held_reply()
        deleted, rec_d = self.held_reply()
        qid_r, qid_d = rec_r["queue_id"], rec_d["queue_id"]
        self.assertEqual(sorted(set(self.held_ids()) & {qid_r, qid_d}), sorted([qid_r, qid_d]))

        self.postsuper("-H", qid_r)
        release = self.wait_settled(qid_r, "the release record of the reply released with postsuper -H")
        self.assertEqual(release["event"], "release")
        self.assertEqual(release["by"], "mta")
        self.assertIn(release["evidence"], ("queue", "log"))
        self.assertIn("released from hold", release["reason"])
        self.assertEqual(release["message_id"], released)
        self.assertEqual(release["rules"], ["quoted-history"])
        self.assertEqual(release["sender"], "omar@support.example.com")
        self.assertEqual(release["recipients"], ["priya@client.example"])
        # The figures `release` would have written: the reply answers the customer's wait.
        self.assertTrue(release["sla"]["released"], release)
        self.assertIn(release["sla"]["status"], ("within_target", "over_target", "breached"))
        self.assertIsNotNone(release["sla"]["waiting_since"])
        self.stack.wait_delivered(released)

        self.postsuper("-d", qid_d)
        discard = self.wait_settled(qid_d, "the discard record of the reply deleted with postsuper -d")
        self.assertEqual(discard["event"], "discard")
        self.assertEqual(discard["by"], "mta")
        self.assertEqual(discard["evidence"], "log")
        self.assertIn("postsuper: removed", discard["reason"])
        self.assertEqual(discard["message_id"], deleted)
        self.assertEqual(discard["sla"], {"status": "not_sent", "reason": "discarded"})
        self.assertIsNone(self.stack.sink.find(deleted))

        self.assertFalse({qid_r, qid_d} & set(self.held_ids()))
        # The sweeps between the two records (one a second) wrote nothing more about the first.
        self.assertEqual(len(self.settle_records(qid_r)), 1)
        self.assertEqual(len(self.settle_records(qid_d)), 1)
        self.cli("audit", "verify", self.stack.milter.audit_path)

    def test_3_support_milter_release_gets_one_record(self):
        a1, rec = self.held_reply()
        qid = rec["queue_id"]
        self.cli("release", qid, "-c", self.stack.milter.config_path, "--by", "Team Lead",
                 "--reason", "the quote is not needed here")
        self.stack.wait_delivered(a1)
        # Sweeps go on (one a second): a reply held after it is settled by hand too, then the
        # first still has the one record, by the admin.
        _, later = self.held_reply()
        self.postsuper("-d", later["queue_id"])
        self.wait_settled(later["queue_id"], "the discard record of the later reply")
        records = self.settle_records(qid)
        self.assertEqual(len(records), 1, records)
        self.assertEqual(records[0]["by"], "Team Lead")
        self.assertNotIn("evidence", records[0])
        self.cli("audit", "verify", self.stack.milter.audit_path)


if __name__ == "__main__":
    unittest.main(verbosity=2)
