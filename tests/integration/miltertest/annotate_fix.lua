-- With subject-continuity and reply-all on fix and quoted-history on annotate, a bad reply gets
-- its subject changed, Bob added to Cc and to the recipients, and the policy header.
local t = dofile(os.getenv("MT_COMMON"))
local conn = t.connect()
t.customer(conn, "fix1")
local reply = t.bad_reply(conn, "fix1")
t.check(reply == SMFIR_CONTINUE or reply == SMFIR_ACCEPT, "bad reply: unexpected reply " .. tostring(reply))
t.check(mt.eom_check(conn, MT_HDRCHANGE, "Subject", "Re: Invoice 7731 lists the plan twice"), "subject not restored")
t.check(mt.eom_check(conn, MT_HDRADD, "Cc"), "no Cc added")
t.check(mt.eom_check(conn, MT_RCPTADD, "<bob@client.example>"), "bob not added to the recipients")
t.check(mt.eom_check(conn, MT_HDRADD, "X-Support-Policy"), "no policy header")
local policy = mt.getheader(conn, "X-Support-Policy", 0)
t.check(policy ~= nil and string.find(policy, "fail=subject%-continuity,reply%-all,quoted%-history") ~= nil,
  "policy header: " .. tostring(policy))
t.check(string.find(policy, "fixed=subject%-continuity,reply%-all") ~= nil, "policy header: " .. tostring(policy))
mt.disconnect(conn)
