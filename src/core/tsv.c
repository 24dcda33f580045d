/*
 * tsv.c - helpers for tab-separated data files; see tsv.h.
 */
#include "tsv.h"

#include <string.h>

bool omb_tsv_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

size_t omb_tsv_split(char *line, char **cols, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n < max)
            cols[n] = p;
        n++;
        char *tab = strchr(p, '\t');
        if (!tab)
            return n;
        *tab = '\0';
        p = tab + 1;
    }
}
