// Fingerprints of text: hashes of overlapping word windows (shingles), so that a quote can be
// matched to the message it quotes without keeping any body. The words are those ICU's word break
// iterator finds after NFKC and case folding, so re-wrapping, quoting markers, punctuation and case
// do not change them. ASCII, Latin, Greek and Cyrillic text is folded and cut into words without
// ICU, the same words (shingle_words against shingle_words_icu in the tests); other text goes
// through ICU.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sm {

inline constexpr std::size_t kShingleWords = 4;    // words per shingle
inline constexpr std::size_t kSketchSize = 128;    // hashes kept per stored message

// All shingle hashes of `text`, sorted and unique. Text shorter than one shingle yields one hash
// of all its words (none for text without words).
std::vector<std::uint64_t> shingles(std::string_view utf8);

// The bottom-k sketch of `text`: its kSketchSize smallest shingle hashes, sorted. This is what the
// store keeps for a message.
std::vector<std::uint64_t> sketch(std::string_view utf8);

// Share (0..1) of `stored_sketch` (sorted) found among the quote's shingles, checked against the
// sketch as they are made, never collected or sorted: what the quoted-history rule uses. 0 when
// the sketch is empty.
double containment_in(const std::vector<std::uint64_t>& stored_sketch, std::string_view quote);

// For each line of `text` (lines end at '\n'), how many hashes of `stored_sketch` the text from
// that line to the end holds: where a copy of the sketched message stands in a text, without
// markers. A shingle counts on the line its first word is on.
std::vector<std::size_t> found_from_each_line(std::string_view text, const std::vector<std::uint64_t>& stored_sketch);

// The words the shingles are made of, folded; the second always through ICU, the reference.
std::vector<std::string> shingle_words(std::string_view utf8);
std::vector<std::string> shingle_words_icu(std::string_view utf8);

// A sketch as the stores keep it: 8 bytes per hash, little-endian; a trailing partial hash is
// ignored on reading.
std::string pack_sketch(const std::vector<std::uint64_t>& sketch);
std::vector<std::uint64_t> unpack_sketch(const void* data, std::size_t bytes);

}  // namespace sm
