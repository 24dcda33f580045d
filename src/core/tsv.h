/*
 * tsv.h - the small pieces shared by ombud's tab-separated data files
 * (taxonomy, calendar): blank-line test and splitting a line at tabs.
 */
#ifndef OMB_TSV_H
#define OMB_TSV_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) holds only spaces and tabs. */
bool omb_tsv_blank(const char *s, size_t n);
/* Splits line (NUL-terminated, writable) at tabs into cols[0..max); returns
 * the number of columns, which may exceed max (the extra ones are not stored). */
size_t omb_tsv_split(char *line, char **cols, size_t max);

#endif
