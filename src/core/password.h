/*
 * password.h - the rules a new password must pass beyond its length: not
 * one character repeated, not the username nor containing it, not on the
 * list of common passwords (data/common_passwords.txt, embedded into the
 * binary as omb_embed_common_passwords_txt).  Pure: no I/O.
 */
#ifndef OMB_PASSWORD_H
#define OMB_PASSWORD_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>

/* A username shorter than this is refused only as the whole password,
 * not as a part of it (a one-letter username would forbid most words). */
#define OMB_PASSWORD_USERNAME_PART_MIN 3

/* True when password is a line of list[0..len): one password a line, '#'
 * comment lines and blank lines ignored, ASCII letters compared without
 * regard to case. */
bool omb_password_is_common(const char *list, size_t len, const char *password);

/* OMB_OK, or OMB_EFIELD with err filled (code "weak_password", field
 * "password") when password is one character repeated, equals or contains
 * username (ASCII case ignored), or is on the list. */
int omb_password_check(const char *username, const char *password, const char *list, size_t len,
                       omb_err *err);

#endif
