# ombud - build, test, run and benchmark.
#
#   make run     install missing packages, build (and the web workbench), init + demo data, serve
#   make test    install missing packages, build (release, ASan+UBSan, the workbench), run all tests
#   make web     build the web workbench (web/) into build/web when its sources changed
#   make bench   build optimised (and the workbench), run the benchmarks, print figures
#   make soak    build optimised, run 20 crash cycles (SIGKILL under load), print counts
#   make check   source checks (banned functions, header comments)
#   make fuzz    build the libFuzzer harnesses (clang), run each FUZZ_SECONDS (60)
#
# Objects for each flavour live under build/<flavour>/.  Every .c file under
# src/ except src/cli/main.c goes into libombud.a; the ombud binary and each
# tests/unit/test_*.c link against it.

FLAVOUR ?= release
B := build/$(FLAVOUR)

# Quiet by default; `make V=1` shows the commands.
ifeq ($(V),1)
  Q :=
  say := @true
else
  Q := @
  say := @echo
endif

CC      ?= cc
NPROC   := $(shell nproc 2>/dev/null || echo 2)
PKGS    := libmicrohttpd sqlite3 jansson libsodium libpcre2-8 libcurl
CSTD    := -std=c17 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Wformat=2 -Wvla
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ifeq ($(FLAVOUR),asan)
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else ifeq ($(FLAVOUR),fuzz)
  # libFuzzer (clang): the library is instrumented for coverage; only the
  # harness binaries (tests/fuzz/) link libFuzzer's main.
  CC  := clang
  SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(SAN)
else ifeq ($(FLAVOUR),debug)
  OPT := -O0 -g
else
  OPT := -O2 -g
endif

# Builds outside the sanitizers allocate with jemalloc, as Redis does: the
# writer frees much of what the request threads allocate, and jansson
# allocates small blocks by the thousand; both are cheaper there than in
# glibc's arenas (make bench: about a tenth more complaints per second).
ifneq ($(filter asan fuzz,$(FLAVOUR)),)
  MALLOC_LIBS :=
else
  MALLOC_LIBS := -ljemalloc
endif

CFLAGS_ALL  = $(CSTD) $(WARN) $(OPT) -Isrc -I$(B)/gen $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
LDFLAGS_ALL = $(OPT) $(LDFLAGS)
LIBS        = $(PKG_LIBS) $(MALLOC_LIBS) -lpthread -lm

LIB_SRCS  := $(filter-out src/cli/main.c,$(sort $(wildcard src/*/*.c)))
GEN_SRCS  := $(B)/gen/embedded_data.c
LIB_OBJS  := $(LIB_SRCS:%.c=$(B)/%.o) $(B)/gen/embedded_data.o
TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/%)
FUZZ_SECONDS ?= 60
EMBEDDED  := data/taxonomy.tsv data/calendar.tsv data/clocks.tsv data/routing.tsv \
             data/common_passwords.txt $(sort $(wildcard src/store/migrations/*.sql))

.PHONY: all run test bench soak check deps clean format unit blackbox fuzz fuzzers web

all: $(B)/ombud

deps:
	@scripts/deps.sh

# The workbench: npm ci when the lockfile changed, the build when a source did.
web:
	@scripts/web.sh

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(say) "  CC      $@"
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(B)/gen/embedded_data.c: $(EMBEDDED) scripts/embed.sh
	@mkdir -p $(dir $@)
	$(say) "  EMBED   $@"
	$(Q)scripts/embed.sh $(EMBEDDED) > $@.tmp && mv $@.tmp $@

$(B)/gen/embedded_data.o: $(B)/gen/embedded_data.c
	$(say) "  CC      $@"
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(B)/libombud.a: $(LIB_OBJS)
	$(say) "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/ombud: $(B)/src/cli/main.o $(B)/libombud.a
	$(say) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libombud.a
	@mkdir -p $(dir $@)
	$(say) "  CC+LD   $@"
	$(Q)$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(B)/libombud.a $(LIBS) -lcmocka

unit: $(B)/ombud $(TEST_BINS)

# The libFuzzer harnesses (FLAVOUR=fuzz): tests/fuzz/fuzz_<name>.c -> build/fuzz/fuzz_<name>.
$(B)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(B)/libombud.a
	@mkdir -p $(dir $@)
	$(say) "  CC+LD   $@"
	$(Q)$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -fsanitize=fuzzer -o $@ $< $(B)/libombud.a $(LIBS)

fuzzers: $(FUZZ_BINS)

$(B)/bench/%: bench/%.c $(B)/libombud.a
	@mkdir -p $(dir $@)
	$(say) "  CC+LD   $@"
	$(Q)$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(B)/libombud.a $(LIBS)

run: deps
	@$(MAKE) --no-print-directory -j$(NPROC) FLAVOUR=release all
	@$(MAKE) --no-print-directory web
	@scripts/run.sh

test: deps
	@$(MAKE) --no-print-directory FLAVOUR=release all
	@$(MAKE) --no-print-directory web
	@$(MAKE) --no-print-directory FLAVOUR=asan unit
	@$(MAKE) --no-print-directory FLAVOUR=fuzz fuzzers
	@scripts/test.sh build/asan

bench: deps
	@$(MAKE) --no-print-directory FLAVOUR=release all build/release/bench/fill build/release/bench/clocks \
		build/release/bench/ledger build/release/bench/http_ceiling
	@$(MAKE) --no-print-directory web
	@scripts/bench_web_deps.sh
	@bench/run.sh build/release

soak: deps
	@$(MAKE) --no-print-directory FLAVOUR=release all
	@python3 tests/blackbox/soak.py --ombud build/release/ombud --cycles 20

fuzz: deps
	@$(MAKE) --no-print-directory FLAVOUR=fuzz fuzzers
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh build/fuzz

check:
	@scripts/checksrc.sh

format:
	clang-format -i $(wildcard src/*/*.c src/*/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h bench/*.c)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
