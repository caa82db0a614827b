-- With quoted-history on hold, the bad reply is quarantined with a reason.
local t = dofile(os.getenv("MT_COMMON"))
local conn = t.connect()
t.customer(conn, "hold1")
local reply = t.bad_reply(conn, "hold1")
t.check(reply == SMFIR_CONTINUE or reply == SMFIR_ACCEPT, "bad reply: unexpected reply " .. tostring(reply))
t.check(mt.eom_check(conn, MT_QUARANTINE), "not quarantined")
mt.disconnect(conn)
