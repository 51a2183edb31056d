/* SPDX-License-Identifier: Apache-2.0 */
/* The per-verb rules behind decide(), without a runtime around them: the
   admission-record entry format and the switch/admission rules. */
#include <string.h>

#include "common/error.h"
#include "policy/policy.h"
#include "runtime/enforce.h"
#include "runtime/runtime.h"
#include "tests/unit/tap.h"

static const char policy_json[]
    = "{\"version\":1,\"allow_update\":false,\"allow_checkpoint\":true,"
      "\"allow_properties_access\":false,\"containers\":[]}";

static int
test_entry_index (void)
{
  size_t i = 99;
  TAP_CHECK (parma_entry_index ("3:web", &i) == 0 && i == 3);
  TAP_CHECK (parma_entry_index ("0:", &i) == 0 && i == 0);
  TAP_CHECK (parma_entry_index ("open-door:*", &i) < 0);
  TAP_CHECK (parma_entry_index ("web", &i) < 0);
  TAP_CHECK (parma_entry_index (":web", &i) < 0);
  TAP_CHECK (parma_entry_index (NULL, &i) < 0);
  return 0;
}

static int
deny_rule (struct policy *p, const struct parma_request *req, const char *rule)
{
  parma_error_t err = NULL;
  int r = parma_enforce_verb (NULL, req, p, &err);
  int ok = r < 0 && err && err->status == 0 && strncmp (err->msg, rule, strlen (rule)) == 0;
  if (!ok)
    fprintf (stderr, "# want %s, got %s\n", rule, err ? err->msg : "(allowed)");
  parma_error_release (&err);
  return ok ? 0 : -1;
}

static int
test_verb_rules (void)
{
  struct policy *p = NULL;
  parma_error_t err = NULL;
  TAP_CHECK (policy_load (policy_json, strlen (policy_json), &p, &err) == 0);
  struct parma_request unknown = { .verb = VERB_UPDATE, .id = "x" };
  struct parma_request admitted = { .verb = VERB_UPDATE, .id = "x", .admitted = true,
                                    .admitted_entry = "0:web" };
  int r = deny_rule (p, &unknown, "admission");
  r |= deny_rule (p, &admitted, "allow_update");
  admitted.verb = VERB_PAUSE;
  r |= parma_enforce_verb (NULL, &admitted, p, &err);
  admitted.verb = VERB_CHECKPOINT;
  r |= parma_enforce_verb (NULL, &admitted, p, &err);
  admitted.verb = VERB_STATE;
  r |= deny_rule (p, &admitted, "allow_properties_access");
  struct delete_opts force = { .force = { .set = true, .v = true } };
  struct parma_request del = { .verb = VERB_DELETE, .id = "x", .del = &force };
  r |= parma_enforce_verb (NULL, &del, p, &err);
  del.del = NULL;
  r |= deny_rule (p, &del, "admission");
  policy_free (p);
  return r == 0 ? 0 : -1;
}

TAP_MAIN ({ "admission record entry \"<index>:<name>\"", test_entry_index },
          { "verb rules: admission, allow_update, checkpoint, properties, delete --force",
            test_verb_rules })
