// Sentences, words and paragraphs of a text: ICU's break iterators (root locale), with an ASCII
// fast path for word counts that finds the same words.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sm {

// Sentences (ICU sentence break iterator), trimmed, empty ones dropped.
std::vector<std::string> sentences(std::string_view text);

// Number of words (ICU word break iterator: letters and numbers, not punctuation).
std::size_t word_count(std::string_view text);

// Paragraphs: blocks separated by blank lines, trimmed, empty ones dropped.
std::vector<std::string> paragraphs(std::string_view text);

// The text without what stands in quotation marks on one line ("…", “…”, «…», „…“), up to 200
// bytes a span: the words a writer cites rather than says.
std::string without_quotations(std::string_view text);

}  // namespace sm
