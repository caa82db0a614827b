-- Helpers for the miltertest scripts: connect to the socket in MILTER_SOCKET and send whole
-- messages. Every step checks the filter's reply.
local M = {}

function M.check(cond, what)
  if not cond then error(what, 2) end
end

function M.connect()
  local sock = os.getenv("MILTER_SOCKET")
  local conn = mt.connect(sock, 40, 0.25)
  M.check(conn ~= nil, "cannot connect to " .. tostring(sock))
  M.check(mt.conninfo(conn, "client.test.example", "127.0.0.1") == nil, "conninfo failed")
  M.check(mt.getreply(conn) == SMFIR_CONTINUE, "conninfo: unexpected reply")
  -- An explicit HELO: an implicit one would wipe the macros sent before it.
  M.check(mt.helo(conn, "client.test.example") == nil, "helo failed")
  return conn
end

-- Sends one message; returns the reply to end-of-message.
-- headers: list of {name, value}; rcpts: list of addresses.
function M.send(conn, qid, from, rcpts, headers, body)
  mt.macro(conn, SMFIC_MAIL, "i", qid)
  M.check(mt.mailfrom(conn, from) == nil, "mailfrom failed")
  M.check(mt.getreply(conn) == SMFIR_CONTINUE, "mailfrom: unexpected reply")
  for _, r in ipairs(rcpts) do
    M.check(mt.rcptto(conn, r) == nil, "rcptto failed")
    M.check(mt.getreply(conn) == SMFIR_CONTINUE, "rcptto: unexpected reply")
  end
  for _, h in ipairs(headers) do
    M.check(mt.header(conn, h[1], h[2]) == nil, "header failed: " .. h[1])
    M.check(mt.getreply(conn) == SMFIR_CONTINUE, "header: unexpected reply")
  end
  M.check(mt.eoh(conn) == nil, "eoh failed")
  M.check(mt.bodystring(conn, body) == nil, "body failed")
  M.check(mt.eom(conn) == nil, "eom failed")
  return mt.getreply(conn)
end

M.customer_body = "Hello,\r\n\r\nthe invoice 7731 lists the premium plan twice this month.\r\n" ..
  "Could you remove the duplicate line and send a corrected invoice?\r\n\r\nAna Lopez\r\n"

-- The customer's message (with Bob on Cc) that the agent answers.
function M.customer(conn, tag)
  local reply = M.send(conn, "Q" .. tag .. "A", "<ana@client.example>",
    {"<help@support.example.com>", "<bob@client.example>"},
    {{"From", "Ana Lopez <ana@client.example>"}, {"To", "help@support.example.com"},
     {"Cc", "Bob Stone <bob@client.example>"}, {"Subject", "Invoice 7731 lists the plan twice"},
     {"Date", "Mon, 02 Nov 2026 09:00:00 +0000"}, {"Message-ID", "<c-" .. tag .. "@client.example>"}},
    M.customer_body)
  M.check(reply == SMFIR_CONTINUE or reply == SMFIR_ACCEPT, "customer message: unexpected reply " .. tostring(reply))
end

-- The agent's reply: changed subject, Bob dropped, no quote.
function M.bad_reply(conn, tag)
  return M.send(conn, "Q" .. tag .. "B", "<sam@support.example.com>", {"<ana@client.example>"},
    {{"From", "Sam Agent <sam@support.example.com>"}, {"To", "ana@client.example"},
     {"Subject", "Corrected invoice"}, {"Date", "Mon, 02 Nov 2026 10:00:00 +0000"},
     {"Message-ID", "<a-" .. tag .. "@support.example.com>"},
     {"In-Reply-To", "<c-" .. tag .. "@client.example>"}, {"References", "<c-" .. tag .. "@client.example>"}},
    "Hi Ana,\r\n\r\nthe corrected invoice is attached.\r\n\r\nSam\r\n")
end

return M
