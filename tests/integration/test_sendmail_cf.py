"""What sendmail.mc settings do, read from the built sendmail.cf, from `sendmail -bt` and from the
audit records of a running Sendmail 8.17 (sendmail_stack.py): Sendmail's default macro lists
carry what support-milter reads, and a `confMILTER_MACROS_*` define replaces a server-wide list;
a smart host on a loopback address needs the `relay:` mailer prefix."""

import unittest
import uuid

import harness
import sendmail_stack


def macro_options(cf_path):
    with open(cf_path) as f:
        return {line.split("=", 1)[0][len("O Milter.macros."):]: line.split("=", 1)[1].strip()
                for line in f if line.startswith("O Milter.macros.")}


class MacroLists(unittest.TestCase):
    def send(self, stack):
        mid = f"macros-{uuid.uuid4().hex[:10]}@client.example"
        code, text = stack.sendmail.send(harness.make_message(
            mid, "Ana <ana@client.example>", ["help@support.example.com"], "Where is my order?", "Order 5521?\n\nAna"),
            "ana@client.example", ["help@support.example.com"])
        self.assertEqual(code, 250, text)
        return sendmail_stack.queue_id_of(text), stack.milter.audit_for(mid)

    def test_the_default_lists_carry_the_queue_id(self):
        stack = sendmail_stack.Stack().start()
        try:
            macros = macro_options(stack.sendmail.cf)
            self.assertIn("{daemon_name}", macros["connect"].split(", "))
            self.assertIn("i", macros["envfrom"].split(", "))
            self.assertIn("{auth_authen}", macros["envfrom"].split(", "))
            qid, rec = self.send(stack)
            self.assertEqual(rec["queue_id"], qid)
        finally:
            stack.stop()

    def test_a_define_replaces_the_list_for_every_milter(self):
        # As written for another filter that wants only the sender's address.
        define = "define(`confMILTER_MACROS_ENVFROM', `{mail_addr}')dnl"
        stack = sendmail_stack.Stack(extra_mc=[define]).start()
        try:
            # One server-wide option, no list of the filter's own.
            self.assertEqual(macro_options(stack.sendmail.cf)["envfrom"], "{mail_addr}")
            with open(stack.sendmail.cf) as f:
                filters = [line for line in f if line.startswith("Xsupport-milter")]
            self.assertEqual(len(filters), 1)
            self.assertNotIn("macros", filters[0])
            qid, rec = self.send(stack)
            self.assertIsNotNone(qid)
            self.assertEqual(rec["queue_id"], "", "support-milter no longer gets the queue id")
        finally:
            stack.stop()


class SmartHost(unittest.TestCase):
    def test_a_loopback_smart_host_needs_the_relay_mailer(self):
        work = harness.Workdir()
        sink = harness.Sink(work)
        routes = {}
        try:
            for smart_host in ("relay:[127.0.0.1]", "[127.0.0.1]"):
                sendmail = sendmail_stack.Sendmail(sink, smart_host=smart_host)
                try:
                    sendmail.configure()
                    routes[smart_host] = sendmail.route("ana@client.example")
                finally:
                    sendmail.remove()
        finally:
            work.remove()
        self.assertEqual(routes["relay:[127.0.0.1]"], "mailer relay, host [127.0.0.1], user ana@client.example")
        # Without a mailer, [127.0.0.1] is taken for Sendmail itself (an address of one of its
        # interfaces) and the smart host is lost: mail would go to the recipient's domain.
        self.assertEqual(routes["[127.0.0.1]"], "mailer esmtp, host client.example., user ana@client.example")



if __name__ == "__main__":
    unittest.main(verbosity=2)
