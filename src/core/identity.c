/*
 * identity.c - resident identity number and phone checks; see identity.h.
 */
#include "identity.h"
#include "timeutil.h"

#include <string.h>

/* Whether year y with the month and day in the digits md[0..4) ("0229") is a real date. */
static bool real_date(int y, const char *md)
{
    int m = (md[0] - '0') * 10 + (md[1] - '0');
    int d = (md[2] - '0') * 10 + (md[3] - '0');
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return false;
    int yy;
    unsigned mm, dd;
    omb_civil_from_days(omb_days_from_civil(y, (unsigned)m, (unsigned)d), &yy, &mm, &dd);
    return yy == y && (int)mm == m && (int)dd == d;
}

bool omb_id_number_valid(const char *s)
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
    if (strlen(s) != 18)
        return false;
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        sum += (s[i] - '0') * weights[i];
    }
    char last = s[17] == 'x' ? 'X' : s[17];
    if (last != check[sum % 11])
        return false;
    /* Birth date at positions 7..14 must be a real date. */
    int y = 0;
    for (int i = 6; i < 10; i++)
        y = y * 10 + (s[i] - '0');
    return real_date(y, s + 10);
}

bool omb_id_number15_valid(const char *s)
{
    if (strlen(s) != 15)
        return false;
    for (int i = 0; i < 15; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    /* Birth date yymmdd at positions 7..12, in the 1900s. */
    return real_date(1900 + (s[6] - '0') * 10 + (s[7] - '0'), s + 8);
}

bool omb_phone_valid(const char *s)
{
    int digits = 0;
    if (*s == '+')
        s++;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (*s != ' ' && *s != '-')
            return false;
    }
    return digits >= 5 && digits <= 20;
}
