/*
 * model.h - the entities around complaints: parties (institutions on the
 * platform), users with roles, products, and cooperations (one product,
 * its parties, their roles and funding shares).  Plain structs with
 * bounded text fields; the store fills them and the app checks them.
 */
#ifndef OMB_MODEL_H
#define OMB_MODEL_H

#include "lifecycle.h"
#include "timeutil.h"

#include <stdbool.h>
#include <stdint.h>

#define OMB_CODE_LEN    33  /* codes: 32 bytes + NUL */
#define OMB_NAME_LEN    324 /* names: 80 code points of up to 4 bytes, and NUL */
#define OMB_PWHASH_LEN  129 /* Argon2id encoded hash */
#define OMB_MEMBERS_MAX 8
#define OMB_SHARE_TOTAL 10000 /* funding shares are in basis points */

/* Kinds of party; the first three take part in loans. */
extern const char
    *const omb_party_kinds[]; /* bank, lender, platform, regulator, mediator, operator */
extern const char *const omb_member_roles[]; /* funder, acquirer, platform */

typedef struct omb_party {
    int64_t id;
    char code[OMB_CODE_LEN];
    char name[OMB_NAME_LEN];
    char kind[OMB_CODE_LEN];
    omb_ms created_at;
} omb_party;

typedef struct omb_user {
    int64_t id;
    int64_t party_id;
    char username[OMB_CODE_LEN * 2];
    char display_name[OMB_NAME_LEN];
    enum omb_role role;
    char skills[OMB_NAME_LEN]; /* comma-separated business or cause codes */
    bool active;
    bool on_duty;                       /* takes new complaints from dispatch */
    char password_hash[OMB_PWHASH_LEN]; /* empty when the user has no password */
    omb_ms created_at;
} omb_user;

typedef struct omb_product {
    int64_t id;
    char code[OMB_CODE_LEN];
    char name[OMB_NAME_LEN];
    char business[OMB_CODE_LEN];
    omb_ms created_at;
} omb_product;

typedef struct omb_member {
    int64_t party_id;
    char role[OMB_CODE_LEN]; /* funder, acquirer, platform */
    int32_t share_bp;        /* funding share in basis points */
} omb_member;

typedef struct omb_cooperation {
    int64_t id;
    char code[OMB_CODE_LEN];
    char name[OMB_NAME_LEN];
    int64_t product_id;
    int n_members;
    omb_member members[OMB_MEMBERS_MAX];
    omb_ms created_at;
} omb_cooperation;

#endif
