/*
 * pii_text.h - finding and masking personal data in free text: Chinese
 * mobile and landline numbers, resident identity numbers, bank card
 * numbers and e-mail addresses in a complaint's description, a note, a
 * reason.  Pure: no I/O, no allocation but the output buffer of the mask.
 *
 * What is found (digits may be ASCII or full-width ０-９ throughout):
 *   mobile      1[3-9] and 9 more digits, alone or grouped 3-4-4, 3-8 or
 *               7-4 by spaces or hyphens, optionally after +86 or 0086
 *               ("13700137000", "+86 137-0013-7000", "008613700137000");
 *   landline    an area code (010, 02x, or 0 and three digits from 3-9)
 *               and a 7- or 8-digit number that does not start with 0 or 1,
 *               joined or split by a hyphen, space or parentheses, with an
 *               optional extension after a hyphen or 转
 *               ("010-12345678", "(0755)8765432", "021-62345678-801");
 *   id_number   18 characters with a valid ISO 7064 MOD 11-2 check
 *               character, a province code and a real birth date, alone or
 *               grouped 6-8-4; 15 digits of the old form with a province
 *               code and a real birth date (19yymmdd), alone or 6-6-3;
 *   bank_card   13 to 19 digits passing the Luhn check whose first digit
 *               is 3, 4, 5, 6 or 9 (or 2221-2720 for 16 digits), alone,
 *               in groups of four, or 4-6-5 / 4-6-4;
 *   email       local@domain with a dotted domain and an alphabetic
 *               top-level label; not a local part right after a '*' (the
 *               end of a mask) and not a domain that runs into another
 *               local part and '@' (the address that follows is found).
 *
 * A number is found only when it stands alone: not inside a longer run of
 * digits, not glued to ASCII or full-width letters or digits, and not joined
 * to them by '-', '_', '/', '\' or '.' (an identifier such as HT-2026-000123,
 * a decimal such as 13700137000.50), not touching a '*' or separated from
 * one by a space or hyphen, and not in the domain after "*@" (digits there
 * are part of something masked already: "137****7000", "6222 **** **** 7890",
 * "z***@0106213718.cn").  What is not personal data is left:
 * a number followed by a unit (元, 万, %, 年, 月, 日 ...), or preceded by a
 * word that names another kind of number (借款编号, 合同号, 订单号, 流水号,
 * 金额, ¥, loan no, order id ...).  A word that names a card or an account
 * (卡号, 银行卡, 账号, card no) makes any 13 to 19 digits a card number, in
 * any grouping, with or without a valid Luhn digit; a word that names an
 * identity number (身份证, 证件号) does the same for 15 and 18 characters.
 *
 * Text need not be valid UTF-8: a byte that does not begin a well-formed
 * character is taken as one character that is neither a digit nor a letter.
 */
#ifndef OMB_PII_TEXT_H
#define OMB_PII_TEXT_H

#include "buf.h"
#include "err.h"

#include <stddef.h>

enum omb_pii_kind {
    OMB_PII_MOBILE,
    OMB_PII_LANDLINE,
    OMB_PII_ID_NUMBER,
    OMB_PII_BANK_CARD,
    OMB_PII_EMAIL,
    OMB_PII__COUNT
};

/* One finding: text[start, start + len) is personal data of the kind. */
typedef struct omb_pii_span {
    size_t start, len;
    enum omb_pii_kind kind;
} omb_pii_span;

/*
 * Finds the personal data in text[0, len), left to right, spans never
 * overlapping.  Writes the first min(found, cap) spans to out (out may be
 * NULL when cap is 0) and returns how many were found.
 */
size_t omb_pii_text_scan(const char *text, size_t len, omb_pii_span *out, size_t cap);

/* "mobile", "landline", "id_number", "bank_card", "email". */
const char *omb_pii_kind_name(enum omb_pii_kind kind);

/*
 * Appends text[0, len) to out with every span found replaced by its mask:
 * phones as omb_mask_phone ("137****7000", "010****5678"), identity numbers
 * as omb_mask_id_number ("110***********002X"), cards with their first and
 * last four digits ("6222 **** **** 1234"), e-mail addresses with the first
 * character of the local part ("z***@example.com").  Everything else is
 * copied byte for byte.  Sets *found to the number of spans masked.
 * Returns OMB_OK, or OMB_ETOOBIG when out's cap is reached.
 */
int omb_pii_text_mask(const char *text, size_t len, omb_buf *out, size_t *found);

#endif
