/*
 * fuzz_config.c - libFuzzer harness: the configuration file
 * (src/app/config.c omb_config_load, each line through omb_config_set,
 * then omb_config_check), read from an in-memory file.
 */
#include "fuzz_common.h"

#include <sys/mman.h>

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fd = memfd_create("ombud-fuzz-config", 0);
    if (fd < 0)
        fz_die("memfd_create", NULL);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        fz_die("write the config", NULL);
    omb_config cfg;
    omb_config_defaults(&cfg);
    omb_err err;
    omb_err_clear(&err);
    if (omb_config_load(&cfg, path, &err) == OMB_OK)
        omb_config_check(&cfg, &err);
    return 0;
}
