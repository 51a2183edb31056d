# parma-runc: see README.  Honours CC CFLAGS LDFLAGS PREFIX SYSCONFDIR DESTDIR.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DATADIR ?= $(PREFIX)/share
DESTDIR ?=
BUILDDIR ?= build
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
VERSION := 0.1.0
NPROC := $(shell nproc 2>/dev/null || echo 2)

# The six libraries of the design card, found with pkg-config.
PKGS := jansson yajl libcrypto libseccomp libcap mount
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS))

WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
        -Wformat=2 -Wformat-security -Wswitch-enum -Wno-switch-default
ALL_CPPFLAGS = -I. -D_GNU_SOURCE -DSYSCONFDIR='"$(SYSCONFDIR)"' \
               -DPARMA_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS = -std=c11 $(WARN) -fno-strict-aliasing -pthread $(CFLAGS)
ALL_LDFLAGS = -pthread -Wl,--as-needed $(LDFLAGS)

COMMON_SRC := $(sort $(wildcard common/*.c))
POLICY_SRC := $(sort $(wildcard policy/*.c))
SNP_SRC := $(sort $(wildcard snp/*.c))
VERITY_SRC := $(sort $(wildcard verity/*.c))
RUNTIME_SRC := $(sort $(wildcard runtime/*.c runtime/*/*.c))
POLICY_CLI_SRC := $(sort $(wildcard policy/cli/*.c))
SNP_CLI_SRC := $(sort $(wildcard snp/cli/*.c))
VERITY_CLI_SRC := $(sort $(wildcard verity/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

obj = $(patsubst %.c,$(BUILDDIR)/obj/%.o,$(1))

PROGRAMS := $(if $(wildcard runtime/main.c),$(BUILDDIR)/parma-runc) \
            $(if $(POLICY_CLI_SRC),$(BUILDDIR)/parma-policy) \
            $(if $(SNP_CLI_SRC),$(BUILDDIR)/parma-snp) \
            $(if $(VERITY_CLI_SRC),$(BUILDDIR)/parma-verity)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILDDIR)/tests/%,$(UNIT_SRC))

.PHONY: all deps check asan demo bench fuzz fuzz-targets install uninstall clean format format-check
all: $(PROGRAMS) $(UNIT_TESTS)

# Rebuild everything when flags change (SYSCONFDIR is compiled in).
$(BUILDDIR)/.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
	  echo '$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@
FORCE:

$(BUILDDIR)/obj/%.o: %.c $(BUILDDIR)/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILDDIR)/obj -name '*.d' 2>/dev/null)

define make_lib
$(BUILDDIR)/lib$(1).a: $(call obj,$(2))
	@mkdir -p $$(@D)
	rm -f $$@ && $(AR) rcs $$@ $$^
endef
$(eval $(call make_lib,common,$(COMMON_SRC)))
$(eval $(call make_lib,policy,$(POLICY_SRC)))
$(eval $(call make_lib,snp,$(SNP_SRC)))
$(eval $(call make_lib,verity,$(VERITY_SRC)))

# Each program and unit test links only the rooms it needs, so a room under
# construction never blocks another room's build.
RUNTIME_LIB_SRC := $(filter-out runtime/main.c,$(RUNTIME_SRC))
$(eval $(call make_lib,runtime,$(RUNTIME_LIB_SRC)))
L = $(BUILDDIR)/lib$(1).a
DEPS_runtime := $(call L,runtime) $(call L,policy) $(call L,snp) $(call L,verity) $(call L,common)
DEPS_policy := $(call L,policy) $(call L,verity) $(call L,snp) $(call L,common)
DEPS_snp := $(call L,snp) $(call L,common)
DEPS_verity := $(call L,verity) $(call L,common)
DEPS_common := $(call L,common)
POLICY_EXTRA_LIBS ?= $(shell $(PKG_CONFIG) --libs libarchive 2>/dev/null)

$(BUILDDIR)/parma-runc: $(call obj,runtime/main.c) $(DEPS_runtime)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILDDIR)/parma-policy: $(call obj,$(POLICY_CLI_SRC)) $(DEPS_policy)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(POLICY_EXTRA_LIBS)
$(BUILDDIR)/parma-snp: $(call obj,$(SNP_CLI_SRC)) $(DEPS_snp)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILDDIR)/parma-verity: $(call obj,$(VERITY_CLI_SRC)) $(DEPS_verity)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
# tests/unit/test_<room>_<area>.c links <room> and what it needs.
room = $(word 2,$(subst _, ,$(notdir $(1))))
.SECONDEXPANSION:
$(BUILDDIR)/tests/%: tests/unit/%.c $$(DEPS_$$(call room,$$*)) tests/unit/tap.h $(BUILDDIR)/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(DEPS_$(call room,$*)) $(PKG_LIBS) $(POLICY_EXTRA_LIBS)

# ---- the two README commands -------------------------------------------------
deps:
	@contrib/install-deps.sh

# Tests build with their own SYSCONFDIR (a directory the tests own), never a
# bypass of the compiled-in configuration path.
CHECK_DIR := $(CURDIR)/build/check
check: deps
	$(MAKE) -j$(NPROC) BUILDDIR=$(CHECK_DIR) SYSCONFDIR=$(CHECK_DIR)/etc all
	tests/run.sh $(CHECK_DIR)

ASAN_DIR := $(CURDIR)/build/asan
asan: deps
	$(MAKE) -j$(NPROC) BUILDDIR=$(ASAN_DIR) SYSCONFDIR=$(ASAN_DIR)/etc \
	  CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	  LDFLAGS='-fsanitize=address,undefined' all
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  tests/run.sh $(ASAN_DIR)

# libFuzzer targets: tests/fuzz/fuzz_<room>_<what>.c, each linked with its room.
FUZZ_DIR := $(CURDIR)/build/fuzz
FUZZ_SECONDS ?= 10
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,$(BUILDDIR)/fuzz/%,$(FUZZ_SRC))
fuzz: deps
	$(MAKE) -j$(NPROC) BUILDDIR=$(FUZZ_DIR) SYSCONFDIR=$(FUZZ_DIR)/etc CC=clang \
	  CFLAGS='-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all' \
	  fuzz-targets
	tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)
fuzz-targets: $(FUZZ_TARGETS)
$(BUILDDIR)/fuzz/%: tests/fuzz/%.c $$(DEPS_$$(call room,$$*)) $(BUILDDIR)/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< \
	  $(DEPS_$(call room,$*)) $(PKG_LIBS) $(POLICY_EXTRA_LIBS)

# Benchmarks: parma vs runc/crun/veritysetup side by side in one run.
BENCH_DIR := $(CURDIR)/build/bench
bench: deps
	$(MAKE) -j$(NPROC) BUILDDIR=$(BENCH_DIR) SYSCONFDIR=$(BENCH_DIR)/etc all
	tests/bench/run.sh $(BENCH_DIR)

demo: deps
	$(MAKE) -j$(NPROC) BUILDDIR=$(CURDIR)/build/demo SYSCONFDIR=$(CURDIR)/build/demo/etc all
	contrib/demo.sh $(CURDIR)/build/demo

# ---- installation ------------------------------------------------------------
MANPAGES := $(sort $(wildcard man/*.[1-8]))
install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	for m in $(MANPAGES); do s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
	  install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/parma-runc
	[ -e $(DESTDIR)$(SYSCONFDIR)/parma-runc/config.json ] || \
	  install -m 0644 contrib/config.json $(DESTDIR)$(SYSCONFDIR)/parma-runc/config.json
	install -d $(DESTDIR)$(DATADIR)/bash-completion/completions
	for f in contrib/completion/*; do [ -f $$f ] && \
	  install -m 0644 $$f $(DESTDIR)$(DATADIR)/bash-completion/completions/; done; true

uninstall:
	for p in $(notdir $(PROGRAMS)); do rm -f $(DESTDIR)$(BINDIR)/$$p; done
	for m in $(MANPAGES); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$$(basename $$m); done
	for f in contrib/completion/*; do rm -f $(DESTDIR)$(DATADIR)/bash-completion/completions/$$(basename $$f); done
	@echo "configuration left in place: $(DESTDIR)$(SYSCONFDIR)/parma-runc/config.json"

clean:
	rm -rf build

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
