// The null milter of the end-to-end benchmark: it takes every header and body chunk
// of the message, keeps nothing, and adds one header at end of message. What it costs over
// Postfix alone is the milter protocol's own price, the floor any real milter stands on.
//
// Usage: null-milter SOCKET      (libmilter's form: inet:PORT@127.0.0.1 or unix:/path)
#include <libmilter/mfapi.h>
#include <csignal>
#include <cstdio>

static sfsistat on_eom(SMFICTX *ctx) {
  if (smfi_addheader(ctx, const_cast<char*>("X-Null-Milter"), const_cast<char*>("seen")) != MI_SUCCESS) return SMFIS_TEMPFAIL;
  return SMFIS_ACCEPT;
}

static sfsistat on_header(SMFICTX*, char*, char*) {
  return SMFIS_CONTINUE;
}

static sfsistat on_body(SMFICTX*, unsigned char*, size_t) {
  return SMFIS_CONTINUE;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SOCKET\n", argv[0]);
    return 64;
  }
  // Only what a message carries, and the header at its end.
  struct smfiDesc desc = {.xxfi_name = const_cast<char*>("null-milter"), .xxfi_version = SMFI_VERSION,
                          .xxfi_flags = SMFIF_ADDHDRS, .xxfi_connect = nullptr, .xxfi_helo = nullptr,
                          .xxfi_envfrom = nullptr, .xxfi_envrcpt = nullptr, .xxfi_header = on_header,
                          .xxfi_eoh = nullptr, .xxfi_body = on_body, .xxfi_eom = on_eom, .xxfi_abort = nullptr,
                          .xxfi_close = nullptr, .xxfi_unknown = nullptr, .xxfi_data = nullptr,
                          .xxfi_negotiate = nullptr};
  std::signal(SIGPIPE, SIG_IGN);
  if (smfi_register(desc) != MI_SUCCESS || smfi_setconn(argv[1]) != MI_SUCCESS) {
    std::fprintf(stderr, "null-milter: cannot register on %s\n", argv[1]);
    return 70;
  }
  if (smfi_opensocket(true) != MI_SUCCESS) {
    std::fprintf(stderr, "null-milter: cannot open %s\n", argv[1]);
    return 71;
  }
  return smfi_main() == MI_SUCCESS ? 0 : 1;
}
