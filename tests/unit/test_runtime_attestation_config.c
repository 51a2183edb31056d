/* SPDX-License-Identifier: Apache-2.0 */
/* The attestation keys of the trusted configuration: backend, the
   stand-in-capable paths attestation.device and attestation.tsm_dir
   (absolute, only with their own backend, default: the kernel's paths). */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"
#include "tap.h"

static int
parse (const char *doc, struct parma_config **c, char **msg)
{
  parma_error_t err = NULL;
  *c = NULL;
  *msg = NULL;
  if (parma_config_parse (doc, strlen (doc), c, &err) == 0)
    return 0;
  *msg = strdup (err->msg);
  parma_error_release (&err);
  return -1;
}

static int
refused (const char *doc, const char *want)
{
  struct parma_config *c;
  char *msg;
  if (parse (doc, &c, &msg) == 0)
    {
      parma_config_free (c);
      fprintf (stderr, "# accepted: %s\n", doc);
      return -1;
    }
  int ok = strstr (msg, want) != NULL;
  if (!ok)
    fprintf (stderr, "# `%s` lacks `%s`\n", msg, want);
  free (msg);
  return ok ? 0 : -1;
}

static int
test_defaults (void)
{
  struct parma_config *c;
  char *msg;
  TAP_CHECK (parse ("{\"delegate\":\"/r\"}", &c, &msg) == 0);
  TAP_CHECK (c->attestation == PARMA_ATTEST_SEV_GUEST);
  TAP_CHECK (c->sev_device == NULL && c->tsm_dir == NULL);
  parma_config_free (c);
  return 0;
}

static int
test_paths (void)
{
  struct parma_config *c;
  char *msg;
  /* key order does not matter: the backend may come last */
  TAP_CHECK (parse ("{\"delegate\":\"/r\",\"attestation\":{\"device\":\"/x/sev\","
                    "\"backend\":\"sev-guest\"}}",
                    &c, &msg)
             == 0);
  TAP_CHECK_STR (c->sev_device, "/x/sev");
  parma_config_free (c);
  TAP_CHECK (
      parse ("{\"delegate\":\"/r\",\"attestation\":{\"backend\":\"tsm\",\"tsm_dir\":\"/t\"}}", &c,
             &msg)
      == 0);
  TAP_CHECK (c->attestation == PARMA_ATTEST_TSM);
  TAP_CHECK_STR (c->tsm_dir, "/t");
  parma_config_free (c);
  return 0;
}

static int
test_refusals (void)
{
  TAP_CHECK (refused ("{\"delegate\":\"/r\",\"attestation\":{\"device\":\"dev/sev\"}}",
                      "attestation.device: `dev/sev` is not an absolute path")
             == 0);
  TAP_CHECK (refused ("{\"delegate\":\"/r\",\"attestation\":{\"device\":7}}",
                      "attestation.device: not a string")
             == 0);
  TAP_CHECK (
      refused ("{\"delegate\":\"/r\",\"attestation\":{\"backend\":\"tsm\",\"device\":\"/d\"}}",
               "attestation.device: only valid with backend sev-guest")
      == 0);
  TAP_CHECK (refused ("{\"delegate\":\"/r\",\"attestation\":{\"tsm_dir\":\"/t\"}}",
                      "attestation.tsm_dir: only valid with backend tsm")
             == 0);
  TAP_CHECK (
      refused ("{\"delegate\":\"/r\",\"attestation\":{\"backend\":\"tsm\",\"tsm_dir\":\"t\"}}",
               "attestation.tsm_dir: `t` is not an absolute path")
      == 0);
  TAP_CHECK (refused ("{\"delegate\":\"/r\",\"attestation\":{\"backend\":\"sev\"}}",
                      "`sev` is not sev-guest, tsm or sim")
             == 0);
  TAP_CHECK (refused ("{\"delegate\":\"/r\",\"attestation\":{\"Device\":\"/d\"}}",
                      "attestation.Device: unknown key")
             == 0);
  return 0;
}

TAP_MAIN ({ "attestation defaults: sev-guest at the kernel's paths", test_defaults },
          { "attestation.device and attestation.tsm_dir parse", test_paths },
          { "attestation keys refused with the key named", test_refusals })
