// Reply and forward prefixes in many languages, and the comparison key.
#include <gtest/gtest.h>

#include "message/subject.h"
#include "tests/unit/fold_pins.h"

namespace sm {
namespace {

struct Case {
  const char* label;
  const char* subject;
  const char* base;
};

TEST(Subject, Prefixes) {
  const Case cases[] = {
      {"none", "Invoice 4471", "Invoice 4471"},
      {"re", "Re: Invoice 4471", "Invoice 4471"},
      {"RE", "RE: Invoice 4471", "Invoice 4471"},
      {"re lower", "re: Invoice", "Invoice"},
      {"fwd", "Fwd: Invoice", "Invoice"},
      {"FW", "FW: Invoice", "Invoice"},
      {"Fw", "Fw: Invoice", "Invoice"},
      {"de AW", "AW: Rechnung", "Rechnung"},
      {"de WG", "WG: Rechnung", "Rechnung"},
      {"nordic SV", "SV: Faktura", "Faktura"},
      {"nordic VS", "VS: Lasku", "Lasku"},
      {"es RV", "RV: Factura", "Factura"},
      {"it R", "R: Fattura", "Fattura"},
      {"it Rif", "Rif: Fattura", "Fattura"},
      {"it I", "I: Fattura", "Fattura"},
      {"nl Antw", "Antw: Factuur", "Factuur"},
      {"pl Odp", "Odp: Faktura", "Faktura"},
      {"pl PD", "PD: Faktura", "Faktura"},
      {"fr TR", "TR: Facture", "Facture"},
      {"fr Réf", "Réf: Facture", "Facture"},
      {"fr space before colon", "Réf : Facture", "Facture"},
      {"ru Отв", "Отв: Счёт", "Счёт"},
      {"ru Ответ", "Ответ: Счёт", "Счёт"},
      {"ru Пересл", "Пересл: Счёт", "Счёт"},
      {"pt Enc", "ENC: Fatura", "Fatura"},
      {"counter brackets", "Re[2]: Invoice", "Invoice"},
      {"counter parens", "Re(3): Invoice", "Invoice"},
      {"counter caret", "Re^2: Invoice", "Invoice"},
      {"repeated", "Re: Re: Re: Invoice", "Invoice"},
      {"mixed nested", "Re: Fwd: RE: AW: Invoice", "Invoice"},
      {"no space after colon", "Re:Invoice", "Invoice"},
      {"full-width colon", "Re：Invoice", "Invoice"},
      {"leading spaces", "   Re:  Invoice  ", "Invoice"},
      {"tag kept", "Re: [Ticket #123] Invoice", "[Ticket #123] Invoice"},
      {"reunion not a prefix", "Reunion agenda", "Reunion agenda"},
      {"iberia not a prefix", "Iberia flight", "Iberia flight"},
      {"rif dot not a prefix", "Rif. 123", "Rif. 123"},
      {"R with space is not a prefix", "R : Fattura", "R : Fattura"},
      {"research not a prefix", "Research: results", "Research: results"},
      {"only prefixes", "Re: Fwd:", ""},
      {"empty", "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(split_subject(c.subject).base, c.base);
  }
}

TEST(Subject, KeysCompareAfterNormalization) {
  EXPECT_EQ(subject_key("Invoice  4471\tCharged"), subject_key("invoice 4471 charged"));
  EXPECT_EQ(subject_key("ＩＮＶＯＩＣＥ"), subject_key("invoice"));  // full-width letters (NFKC)
  EXPECT_EQ(subject_key("СЧЁТ"), subject_key("счёт"));
  EXPECT_EQ(subject_key("Straße"), subject_key("STRASSE"));
  EXPECT_NE(subject_key("Invoice 4471"), subject_key("Invoice 4472"));
}

// The keys stored with threads do not change (tests/unit/fold_pins.h).
TEST(SubjectKey, PinnedValues) {
  for (const auto& p : pins::kFoldPins) EXPECT_EQ(subject_key(p.text), p.subject_key) << p.text;
}

}  // namespace
}  // namespace sm
