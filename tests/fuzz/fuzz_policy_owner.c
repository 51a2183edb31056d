/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the owner channel's parsers (policy/owner.c), which read what
   the host relays.  A token the parser accepts must be the one spelling
   its signer makes: its payload part re-encodes to the same bytes.  Strict
   base64url round-trips.  The input is also read as a policy's owner_keys. */
#include "common/error.h"
#include "common/xalloc.h"
#include "policy/policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_token (const char *text)
{
  parma_error_t err = NULL;
  struct policy_owner_token t = { 0 };
  if (policy_owner_token_parse (text, &t, &err) < 0)
    {
      if (err == NULL)
        abort (); /* every refusal names its reason */
      parma_error_release (&err);
      return;
    }
  char *payload = policy_owner_payload (&t);
  if (payload == NULL)
    abort ();
  char *b64 = policy_owner_b64url_encode ((const uint8_t *) payload, strlen (payload));
  const char *dot = strchr (text, '.');
  if (dot == NULL || (size_t) (dot - text) != strlen (b64) || memcmp (text, b64, strlen (b64)) != 0)
    abort ();
  free (b64);
  free (payload);
  policy_owner_token_release (&t);
}

static void
check_b64url (const char *text, size_t len)
{
  uint8_t *raw = NULL;
  size_t raw_len = 0;
  if (policy_owner_b64url_decode (text, len, &raw, &raw_len) < 0)
    return;
  char *again = policy_owner_b64url_encode (raw, raw_len);
  if (strlen (again) != len || memcmp (again, text, len) != 0)
    abort ();
  free (again);
  free (raw);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = xmalloc (size + 1);
  memcpy (text, data, size);
  text[size] = '\0';
  if (strlen (text) == size)
    {
      check_token (text);
      check_b64url (text, size);
    }
  parma_error_t err = NULL;
  struct policy_owner_keys *keys = NULL;
  if (policy_owner_keys_from_canonical (text, size, &keys, &err) == 0)
    policy_owner_keys_free (keys);
  else
    parma_error_release (&err);
  free (text);
  return 0;
}
