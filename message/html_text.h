// HTML to plain text through an HTML parser (gumbo). Block elements become line breaks, scripts
// and styles are dropped, entities decoded. Quoted history keeps its shape for the quote splitter:
// <blockquote> and the quote containers of common clients (gmail_quote, yahoo_quoted,
// moz-cite-prefix + blockquote type=cite, mail.ru and Yandex blockquotes) come out as lines prefixed
// with "> "; Outlook's divRplyFwdMsg / appendonsend and the elements after it come out as an
// Outlook header block ("From: ... Sent: ...") followed by the rest.
#pragma once
#include <string>
#include <string_view>

namespace sm {

std::string html_to_text(std::string_view html_utf8);

}  // namespace sm
