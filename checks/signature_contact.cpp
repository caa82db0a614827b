// signature-contact: the signature tells the customer how to reach us.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "checks/rule_text.h"
#include "checks/rules.h"
#include "text/lexicon.h"
#include "text/message_text.h"
#include "text/promise.h"
#include "text/segment.h"

namespace sm {

namespace {

using namespace rule_text;

class SignatureContact final : public Rule {
 public:
  SignatureContact()
      : Rule({"signature-contact", "3", "the signature has a phone, an address or a URL",
                 "An outbound message must end with a signature that gives a way to reach us: a phone number "
                 "(international or national: \"+44 20 7946 0123\", \"8 (495) 123-45-67\", \"0800 123 4567\"), "
                 "an e-mail address or a URL, in the signature block or the lines after it. The signature block "
                 "is read by its shape in any language: the sign-off line or the \"-- \" line, the name, role, "
                 "company and contact lines; without one, the last last_lines lines."}) {}
  std::vector<ParamSpec> params() const override {
    return {{"last_lines", std::int64_t{6}, "lines at the end read as the signature when none is found", 1.0, 50.0}};
  }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!outbound(ctx)) return make(Result::skip, "not an outbound message");
    std::string_view sig = ctx.text.signature();
    if (sig.empty()) {
      std::string_view text = ctx.message.quote.new_text;
      std::size_t pos = text.size();
      for (std::int64_t n = 0; n < s.get_int("last_lines") && pos > 0; ++n) {
        pos = text.rfind('\n', pos - 1);
        if (pos == std::string_view::npos) {
          pos = 0;
          break;
        }
      }
      sig = text.substr(pos);
    }
    // What follows the signature counts too: a contact line in a footer ("Call us: ...") or in a
    // company's notice below it still tells the customer how to reach us.
    if (has_contact(sig) || has_contact(ctx.text.footer())) return make(Result::pass);
    Finding f = make(Result::fail, "the signature has no phone, e-mail address or URL");
    f.hint = {"hint_signature_contact", {}};
    return f;
  }
};

}  // namespace

std::unique_ptr<Rule> make_signature_contact() { return std::make_unique<SignatureContact>(); }

}  // namespace sm
