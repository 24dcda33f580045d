/*
 * identity.h - checks on personal identifiers: mainland resident identity
 * numbers (GB 11643-1999, 18 characters with an ISO 7064 MOD 11-2 check
 * character, or the old 15-digit form) and telephone numbers.
 */
#ifndef OMB_IDENTITY_H
#define OMB_IDENTITY_H

#include <stdbool.h>

bool omb_id_number_valid(const char *s);
/* The old 15-digit form (before 1999): digits only, a real birth date 19yymmdd at 7..12. */
bool omb_id_number15_valid(const char *s);
/* Digits with optional leading '+', spaces and dashes; 5 to 20 digits. */
bool omb_phone_valid(const char *s);

#endif
