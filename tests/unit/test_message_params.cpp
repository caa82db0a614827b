// Content-Type / Content-Disposition parameters: tokens, quoted strings, comments, RFC 2231
// extended values and continuations; malformed values give a defined result, never an exception.
#include <gtest/gtest.h>

#include "message/params.h"

namespace sm {
namespace {

TEST(Params, TypeAndParameters) {
  ParamValue v = parse_param_header(" Text/Plain (a comment) ; Charset=\"UTF-8\"; format=flowed");
  EXPECT_EQ(v.value, "text/plain");
  EXPECT_EQ(v.params["charset"], "UTF-8");
  EXPECT_EQ(v.params["format"], "flowed");
}

TEST(Params, Rfc2231ContinuationsInAnyOrder) {
  ParamValue v = parse_param_header("attachment; filename*1*=%20b.txt; filename*0*=utf-8''Caf%C3%A9");
  EXPECT_EQ(v.value, "attachment");
  EXPECT_EQ(v.params["filename"], "Café b.txt");
}

// Comments and quoted strings cut off at the end of the value (a fuzzer found the first: a
// comment ending in a lone backslash read past the end).
TEST(Params, CutOffValuesAreDefined) {
  const char* inputs[] = {"(uF\\", "(", "(\\", "text/plain; name=\"abc\\", "text/plain; name=\"", "text/plain (x\\",
                          "multipart/mixed; boundary=(\\", ";", "=", "\\"};
  for (const char* in : inputs) {
    SCOPED_TRACE(in);
    ParamValue v;
    EXPECT_NO_THROW(v = parse_param_header(in));
  }
  EXPECT_EQ(parse_param_header("text/plain (x\\").value, "text/plain");
  EXPECT_EQ(parse_param_header("text/plain; name=\"abc\\").params["name"], "abc\\");  // the lone backslash kept
}

}  // namespace
}  // namespace sm
