// The offline tools' config: the file given, else the installed or built-in one, with the support
// identity from the command line.
#include "tools/tool_config.h"

#include "message/address.h"

namespace sm {

std::shared_ptr<Config> tool_config(const std::string& config_path, const std::vector<std::string>& domains,
                                    const std::vector<std::string>& addresses, std::string* error, int* code) {
  std::shared_ptr<const Config> base;
  try {
    base = config_path.empty() ? default_config() : load_config(config_path);
  } catch (const std::exception& e) {
    *error = e.what();
    *code = 78;
    return nullptr;
  }
  install_lexicons(*base);
  auto cfg = std::make_shared<Config>(*base);
  for (const auto& d : domains) {
    auto ascii = normalize_domain(d).second;
    if (ascii.empty() || ascii.find('@') != std::string::npos) {
      *error = "--support-domain \"" + d + "\" is not a domain";
      *code = 64;
      return nullptr;
    }
    cfg->support.domains.push_back(ascii);
  }
  for (const auto& a : addresses) {
    Address parsed = parse_address(a);
    if (parsed.local_part.empty() || parsed.ascii_domain.empty()) {
      *error = "--support-address \"" + a + "\" is not an address";
      *code = 64;
      return nullptr;
    }
    cfg->support.addresses.push_back(parsed.key());
  }
  return cfg;
}

}  // namespace sm
