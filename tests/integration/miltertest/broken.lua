-- Broken input gets a defined verdict: garbage headers and body, no Message-ID, no Date.
local t = dofile(os.getenv("MT_COMMON"))
local conn = t.connect()
local reply = t.send(conn, "QBROKEN", "<>", {"<help@support.example.com>"},
  {{"From", "=?x-unknown?B?////?= <\255@client.example>"}, {"Subject", "=?utf-8?q?=ZZ?= \1\2"},
   {"Content-Type", "multipart/mixed; boundary=\"\""}, {"To", "help@support.example.com,,,;;<>"}},
  "--\r\n--\r\n\0\0\0 broken =?= \r\n")
t.check(reply == SMFIR_CONTINUE or reply == SMFIR_ACCEPT, "broken message: unexpected reply " .. tostring(reply))
mt.disconnect(conn)
