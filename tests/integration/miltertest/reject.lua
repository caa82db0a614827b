-- With reply-all on reject, the bad reply is refused with an SMTP reply code.
local t = dofile(os.getenv("MT_COMMON"))
local conn = t.connect()
t.customer(conn, "rej1")
local reply = t.bad_reply(conn, "rej1")
t.check(reply == SMFIR_REPLYCODE, "expected a reply code, got " .. tostring(reply))
t.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "support policy: reply-all: add bob@client.example to Cc"),
  "wrong SMTP reply")
mt.disconnect(conn)
