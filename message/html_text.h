// HTML to plain text through an HTML parser (gumbo). Block elements become line breaks, scripts
// and styles are dropped, entities decoded. Quoted history keeps its shape for the quote splitter:
// <blockquote> and the quote containers of common clients (gmail_quote, yahoo_quoted,
// moz-cite-prefix + blockquote type=cite, Apple Mail, mail.ru and Yandex blockquotes) come out as
// lines prefixed with "> "; the separators above Outlook's reply header block (divRplyFwdMsg,
// Outlook.com's appendonsend and <hr>, the top-bordered div of Outlook desktop and Windows Mail)
// come out as one line of underscores, as Outlook writes it in plain text, followed by the header
// block ("From: ... Sent: ...") and the rest. Word's MsoNormal paragraphs are single lines.
#pragma once
#include <string>
#include <string_view>

namespace sm {

std::string html_to_text(std::string_view html_utf8);

}  // namespace sm
