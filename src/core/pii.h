/*
 * pii.h - masking and normalising personal data: telephone numbers,
 * resident identity numbers and names.
 *
 * Masks are for display and logs: they keep a few characters so a person
 * can recognise their own record and replace the rest with '*'.  The
 * normalised forms feed the blind index, so that the same person's number
 * always gives the same bytes however it was typed.
 *
 * Every mask writes a NUL-terminated string of at most cap bytes into out.
 * When the mask does not fit it is cut at a character boundary, so the
 * output is always a prefix of the full mask and always valid UTF-8; cap 0
 * writes nothing.  NULL input is treated as the empty string.
 */
#ifndef OMB_PII_H
#define OMB_PII_H

#include <stddef.h>

#include "err.h"

/*
 * Masks a telephone number: normalises it as omb_pii_normalize_phone does
 * (digits only, country code dropped), then keeps the first 3 and last 4
 * digits and replaces the digits between with '*' ("13800138000" and
 * "+86 138-0013-8000" -> "138****8000").  Numbers with fewer than 8 digits
 * keep only their last 2 digits ("1234567" -> "*****67").
 */
void omb_mask_phone(const char *phone, char *out, size_t cap);

/*
 * Masks a resident identity number: trimmed and upper-cased as
 * omb_pii_normalize_id does, then the first 3 and last 4 characters kept
 * ("11010519491231002x" -> "110***********002X"); shorter than 8
 * characters: only the last 2 kept.
 */
void omb_mask_id_number(const char *id, char *out, size_t cap);

/*
 * Masks a name: surrounding ASCII white space trimmed, the first character
 * (UTF-8 code point) kept and each following one replaced by '*'
 * ("张三" -> "张*", "欧阳娜娜" -> "欧***", "Alice Smith" -> "A**********").
 * A one-character name becomes "*".  An invalid UTF-8 byte counts as one
 * character and is never copied: it becomes '*' even where a character
 * would be kept.
 */
void omb_mask_name(const char *name, char *out, size_t cap);

/*
 * Normalises a telephone number for the blind index: digits only; a leading
 * "86" dropped when there are 13 digits that start with 86, or a leading
 * "0086" dropped when digits follow it ("+86 138 0013 8000",
 * "0086-138-0013-8000" -> "13800138000").  Returns OMB_OK, or OMB_EINVAL
 * (out set to "" when cap > 0) when there are no digits or the result does
 * not fit in cap bytes with its NUL.
 */
int omb_pii_normalize_phone(const char *phone, char *out, size_t cap);

/*
 * Normalises a resident identity number for the blind index: surrounding
 * ASCII white space trimmed, ASCII letters upper-cased
 * ("11010519491231002x" -> "11010519491231002X").  Returns OMB_OK, or
 * OMB_EINVAL (out set to "" when cap > 0) when the result would be empty
 * or not fit in cap bytes with its NUL.
 */
int omb_pii_normalize_id(const char *id, char *out, size_t cap);

#endif
